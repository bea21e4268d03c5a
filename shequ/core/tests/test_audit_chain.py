"""The audit log is tamper-evident: a hash chain sealed by a background task, verified by a
command that names the broken link; exports for auditors; alerts on bulk unmasking."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core import audit_chain
from shequ.core.audit import audit_record
from shequ.core.models import AuditLog, AuditSeal

pytestmark = pytest.mark.django_db


def _write(n: int, verb: str = "thing.changed", actor=None) -> list[AuditLog]:
    return [audit_record(actor=actor, verb=verb, target_type="test.thing", target_id=i, target_repr=f"事项 {i}",
                         extra={"i": i, "名称": "中文"}) for i in range(n)]


def _tamper(sql: str, params: list) -> None:
    """What someone with direct database access could do: switch the append-only trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditlog_no_update")
            cursor.execute(sql, params)
        else:
            cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER core_auditlog_no_change")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE core_auditlog ENABLE TRIGGER core_auditlog_no_change")


def test_sealing_links_every_row_and_verifies():
    rows = _write(7)
    assert audit_chain.seal_pending(batch=3) == 7  # several batches continue one chain
    assert audit_chain.seal_pending() == 0
    seals = list(AuditSeal.objects.order_by("seq"))
    assert [s.audit_id for s in seals] == [r.pk for r in rows]
    assert seals[0].prev == audit_chain.GENESIS
    assert all(b.prev == a.digest for a, b in zip(seals, seals[1:]))
    result = audit_chain.verify(chunk=2)
    assert result.ok and result.checked == 7 and result.unsealed == 0
    assert result.head == seals[-1].digest


def test_changed_row_is_named_by_verify():
    rows = _write(4)
    audit_chain.seal_pending()
    _tamper("UPDATE core_auditlog SET actor_name = %s WHERE id = %s", ["someone_else", rows[2].pk])
    result = audit_chain.verify()
    assert not result.ok
    assert result.problems == [f"link #{AuditSeal.objects.get(audit_id=rows[2].pk).seq}: "
                               f"audit row {rows[2].pk} was changed after it was sealed"]


def test_changed_extra_and_time_are_caught_too():
    rows = _write(3)
    audit_chain.seal_pending()
    _tamper("UPDATE core_auditlog SET at = %s WHERE id = %s", [timezone.now() - dt.timedelta(days=400), rows[0].pk])
    assert "changed" in audit_chain.verify().problems[0]


def test_deleted_row_is_named_by_verify():
    rows = _write(3)
    audit_chain.seal_pending()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER core_auditlog_no_change")
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [rows[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog ENABLE TRIGGER core_auditlog_no_change")
    problems = audit_chain.verify().problems
    assert any(f"audit row {rows[1].pk} is missing" in p for p in problems)


def test_forged_digest_without_the_key_is_caught():
    """Rewriting a row and recomputing its digest with a guessed key breaks the next link."""
    rows = _write(3)
    audit_chain.seal_pending()
    seal = AuditSeal.objects.get(audit_id=rows[1].pk)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditseal_no_update")
        else:
            cursor.execute("ALTER TABLE core_auditseal DISABLE TRIGGER core_auditseal_no_change")
        cursor.execute("DELETE FROM core_auditseal WHERE seq = %s", [seal.seq])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditseal ENABLE TRIGGER core_auditseal_no_change")
    problems = audit_chain.verify().problems
    assert any("does not follow the link before it" in p for p in problems)


def test_the_database_refuses_changes_to_seals():
    _write(1)
    audit_chain.seal_pending()
    with pytest.raises(PermissionError):
        AuditSeal.objects.all().update(digest="0" * 64)
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditseal SET digest = %s", ["f" * 64])


def test_verify_command_exit_status_and_message(capsys):
    rows = _write(2)
    call_command("audit_seal")
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out
    _tamper("UPDATE core_auditlog SET verb = %s WHERE id = %s", ["nothing.happened", rows[0].pk])
    with pytest.raises(CommandError, match="audit chain broken: 1 problem"):
        call_command("audit_verify")


def test_late_committed_row_is_sealed_later_and_chain_stays_valid():
    rows = _write(2)
    audit_chain.seal_pending()
    late = _write(1)[0]
    assert audit_chain.seal_pending() == 1
    assert AuditSeal.objects.order_by("-seq").first().audit_id == late.pk
    assert audit_chain.verify().ok and len(rows) == 2


def test_export_for_auditors_has_every_column_and_the_chain(tmp_path):
    rows = _write(3)
    out = tmp_path / "audit.xlsx"
    call_command("audit_export", str(out), "--since", (timezone.localdate() - dt.timedelta(days=1)).isoformat())
    sheet = load_workbook(out).active
    values = list(sheet.values)
    assert values[0] == tuple(audit_chain.EXPORT_HEADER)
    exported = {v[0]: v for v in values[1:]}
    assert set(r.pk for r in rows) <= set(exported)
    first = exported[rows[0].pk]
    assert first[4] == "thing.changed" and "中文" in first[10]
    assert first[13] == AuditSeal.objects.get(audit_id=rows[0].pk).digest  # export sealed first
    assert AuditLog.objects.filter(verb="audit.exported", extra__rows=3).exists()


def test_export_rejects_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match=".csv or .xlsx"):
        call_command("audit_export", str(tmp_path / "a.txt"))
    with pytest.raises(CommandError, match="not a date"):
        call_command("audit_export", str(tmp_path / "a.csv"), "--since", "yesterday")


def test_admin_export_action(client, world):
    rows = _write(2)
    client.force_login(world.users["admin"])
    response = client.post("/admin/core/auditlog/", {"action": "export_csv", "_selected_action": [r.pk for r in rows]})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == audit_chain.EXPORT_HEADER and {int(r[0]) for r in table[1:]} == {r.pk for r in rows}


def test_admin_export_is_for_administrators_only(client, world):
    client.force_login(world.users["street_s1"])
    response = client.post("/admin/core/auditlog/", {"action": "export_csv", "_selected_action": [1]})
    assert response.status_code in (302, 403)
    assert b"chain_digest" not in response.content


def test_bulk_unmasking_alerts_administrators_once(world, settings):
    from shequ.notify.models import Notification

    settings.SHEQU_ALERT_UNMASK_PER_HOUR = 5
    user = world.users["worker_a_unmask"]
    _write(5, verb="resident.unmasked", actor=user)
    assert audit_chain.unusual_access() == []  # at the limit: no alert
    _write(1, verb="resident.unmasked", actor=user)
    alerts = audit_chain.unusual_access()
    assert [(a["kind"], a["actor_name"], a["count"]) for a in alerts] == [("unmask", "worker_a_unmask", 6)]
    note = Notification.objects.get(user=world.users["admin"])
    assert "worker_a_unmask" in note.body and "6" in note.body
    assert AuditLog.objects.filter(verb="security.alert", target_id=str(user.pk)).count() == 1
    _write(3, verb="resident.unmasked", actor=user)
    assert audit_chain.unusual_access() == []  # already alerted in this hour
    later = timezone.now() + dt.timedelta(hours=2)
    assert audit_chain.unusual_access(now=later) == []  # the burst is over


def test_bulk_export_alert(world, settings):
    settings.SHEQU_ALERT_EXPORT_PER_HOUR = 2
    _write(3, verb="registry.exported", actor=world.users["worker_a"])
    assert [a["kind"] for a in audit_chain.unusual_access()] == ["export"]
