"""The audit log's hash chain: seal new rows, verify the chain, alert on unusual unmasking.

Each audit row, once sealed, is one link: ``digest = HMAC-SHA256(chain key, prev + canonical(row))``.
The chain key is derived from ``SHEQU_HASH_KEY`` (held in the environment, never in the database),
so whoever can write to the database cannot rebuild a consistent chain after changing, deleting or
reordering rows. ``shequ audit_verify`` walks the chain and names the first broken link.

Rows are sealed by a periodic task a minute or so after they are written (sealing at write time
would serialize every transaction that writes an audit row on one chain head). A row committed late
(its transaction ran long) is sealed in a later batch: the chain is in sealing order, not id order.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from .crypto import _hash_key
from .models import AuditLog, AuditSeal

GENESIS = "0" * 64
#: how far back the periodic sealer looks for rows committed after later ids were sealed
LATE_WINDOW = dt.timedelta(hours=6)
_LOCK_ID = 0x5E0A_0D17  # PostgreSQL advisory lock held while sealing


@lru_cache(maxsize=2)
def _chain_key(hash_key: str) -> bytes:
    return hmac.new(_hash_key(hash_key), b"shequ audit chain v1", hashlib.sha256).digest()


def canonical(row: AuditLog) -> bytes:
    """The bytes of a row that the chain protects (every column)."""
    at = row.at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
    data = [row.pk, at, row.actor_id, row.actor_name, row.verb, row.target_type, row.target_id,
            row.target_repr, row.node_id, row.ip, row.extra]
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def link(prev: str, row: AuditLog) -> str:
    return hmac.new(_chain_key(settings.SHEQU_HASH_KEY), prev.encode() + canonical(row), hashlib.sha256).hexdigest()


def _unsealed(*, everything: bool) -> "models.QuerySet[AuditLog]":  # noqa: F821
    sealed = AuditSeal.objects.filter(audit_id=OuterRef("pk"))
    qs = AuditLog.objects.filter(~Exists(sealed))
    if not everything:
        top = AuditSeal.objects.aggregate(top=Max("audit_id"))["top"] or 0
        qs = qs.filter(Q(pk__gt=top) | Q(at__gte=timezone.now() - LATE_WINDOW))
    return qs.order_by("pk")


def seal_pending(*, batch: int = 5000, everything: bool = False) -> int:
    """Seal the rows not yet in the chain; return how many were sealed.

    ``everything`` looks through the whole log (the command's ``--all``), not just recent rows.
    """
    total = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
            rows = list(_unsealed(everything=everything)[:batch])
            if not rows:
                return total
            head = AuditSeal.objects.order_by("-seq").values_list("digest", flat=True).first() or GENESIS
            seals = []
            now = timezone.now()
            for row in rows:
                digest = link(head, row)
                seals.append(AuditSeal(audit_id=row.pk, prev=head, digest=digest, sealed_at=now))
                head = digest
            AuditSeal.objects.bulk_create(seals)
            total += len(seals)
        if len(rows) < batch:
            return total


@dataclasses.dataclass
class Verification:
    checked: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    unsealed: int = 0
    unsealed_old: int = 0
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, chunk: int = 5000, stale_after: dt.timedelta = dt.timedelta(hours=1)) -> Verification:
    """Walk the whole chain in order; report every broken link (changed, deleted or reordered rows,
    removed seals) and the rows still unsealed (those older than ``stale_after`` are suspicious:
    the sealer runs every minute)."""
    result = Verification()
    prev = GENESIS
    last_seq = 0
    while True:
        seals = list(AuditSeal.objects.filter(seq__gt=last_seq).order_by("seq")[:chunk])
        if not seals:
            break
        rows = AuditLog.objects.in_bulk([seal.audit_id for seal in seals])
        for seal in seals:
            result.checked += 1
            if seal.prev != prev:
                result.problems.append(
                    f"link #{seal.seq} (audit row {seal.audit_id}): does not follow the link before it "
                    "— a seal was removed or the chain was reordered")
            row = rows.get(seal.audit_id)
            if row is None:
                result.problems.append(f"link #{seal.seq}: audit row {seal.audit_id} is missing (deleted)")
            elif link(seal.prev, row) != seal.digest:
                result.problems.append(f"link #{seal.seq}: audit row {seal.audit_id} was changed after it was sealed")
            prev = seal.digest
            last_seq = seal.seq
    result.head = prev
    unsealed = _unsealed(everything=True)
    result.unsealed = unsealed.count()
    result.unsealed_old = unsealed.filter(at__lt=timezone.now() - stale_after).count()
    return result


# --- alerts on unusual bulk unmasking or export --------------------------------------------------

UNMASK_Q = Q(verb__endswith="unmasked")
EXPORT_Q = Q(verb__contains="export")


def unusual_access(*, now: dt.datetime | None = None) -> list[dict]:
    """Accounts that unmasked or exported more than the hourly thresholds in the last hour and
    were not alerted on yet in that hour; each alert is written to the audit log (verb
    ``security.alert``) and sent in-app to every system administrator."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    since = now - dt.timedelta(hours=1)
    limits = {"unmask": (UNMASK_Q, settings.SHEQU_ALERT_UNMASK_PER_HOUR),
              "export": (EXPORT_Q, settings.SHEQU_ALERT_EXPORT_PER_HOUR)}
    alerted = {(a["extra__actor_id"], a["extra__kind"]) for a in AuditLog.objects.filter(
        verb="security.alert", at__gte=since).values("extra__actor_id", "extra__kind")}
    alerts = []
    for kind, (condition, limit) in limits.items():
        counts = (AuditLog.objects.filter(condition, at__gte=since, at__lte=now, actor_id__isnull=False)
                  .values("actor_id", "actor_name").annotate(n=Count("id")).filter(n__gt=limit))
        for entry in counts:
            if (entry["actor_id"], kind) in alerted:
                continue
            alerts.append({"kind": kind, "actor_id": entry["actor_id"], "actor_name": entry["actor_name"],
                           "count": entry["n"], "limit": limit})
    if not alerts:
        return []
    from shequ.notify.models import Notification

    from .audit import audit_record

    admins = list(get_user_model().objects.filter(Q(is_superuser=True) | Q(role="admin"), is_active=True))
    with transaction.atomic():
        for alert in alerts:
            what = "解除脱敏查看" if alert["kind"] == "unmask" else "导出"
            text = (f"账号 {alert['actor_name']} 在过去一小时内{what} {alert['count']} 次,"
                    f"超过阈值 {alert['limit']} 次,请核查。")
            audit_record(actor=None, verb="security.alert", target_type="accounts.user",
                         target_id=alert["actor_id"], target_repr=alert["actor_name"], extra=alert)
            Notification.objects.bulk_create([
                Notification(user=admin, subject="安全告警:异常批量访问个人信息", body=text,
                             link=f"/admin/core/auditlog/?actor_name={alert['actor_name']}", created_at=now)
                for admin in admins])
    return alerts


# --- export for auditors ---------------------------------------------------------------------------

EXPORT_HEADER = ["id", "at", "actor_id", "actor_name", "verb", "target_type", "target_id", "target_repr",
                 "node_id", "ip", "extra", "chain_seq", "chain_prev", "chain_digest"]


def export_rows(qs):
    """Rows of the auditors' export: every column, with the row's link in the chain (empty when
    not sealed yet), so an auditor can recompute the chain with the key."""
    seals: dict[int, AuditSeal] = {}
    batch: list[AuditLog] = []

    def flush():
        seals.clear()
        seals.update({s.audit_id: s for s in AuditSeal.objects.filter(audit_id__in=[r.pk for r in batch])})
        for row in batch:
            seal = seals.get(row.pk)
            yield [row.pk, row.at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"), row.actor_id,
                   row.actor_name, row.verb, row.target_type, row.target_id, row.target_repr, row.node_id, row.ip,
                   json.dumps(row.extra, ensure_ascii=False, sort_keys=True),
                   seal.seq if seal else "", seal.prev if seal else "", seal.digest if seal else ""]
        batch.clear()

    for row in qs.order_by("pk").iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) >= 2000:
            yield from flush()
    yield from flush()


def export_to(qs, path_or_stream, fmt: str) -> int:
    """Write the export as ``csv`` or ``xlsx``; return the number of rows."""
    import csv

    count = 0
    if fmt == "csv":
        writer = csv.writer(path_or_stream)
        writer.writerow(EXPORT_HEADER)
        for values in export_rows(qs):
            writer.writerow(values)
            count += 1
        return count
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("audit")
    sheet.append(EXPORT_HEADER)
    for values in export_rows(qs):
        sheet.append(values)
        count += 1
    book.save(path_or_stream)
    return count
