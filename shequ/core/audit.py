"""Write the audit log. Call inside the transaction of the change being recorded."""
from __future__ import annotations

from typing import Any

from django.db import models

from .middleware import current_client_ip
from .models import AuditLog
from .writes import new_row


def _node_of(target: Any) -> int | None:
    for attr in ("audit_node_id", "community_id", "street_id", "district_id"):
        value = getattr(target, attr, None)
        if value:
            return value
    return None


def audit_row(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_repr: str = "",
    node_id: int | None = None,
    ip: str | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditLog:
    """One audit record, not yet written (a caller writing several rows at once writes it with them)."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        target_repr = target_repr or str(target)[:200]
        node_id = node_id or _node_of(target)
    return new_row(
        AuditLog,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        verb=verb,
        target_type=target_type,
        target_id=str(target_id),
        target_repr=target_repr[:200],
        node_id=node_id,
        ip=ip or current_client_ip(),
        extra=extra or {},
    )


def audit_record(**kwargs) -> AuditLog:
    """Write one audit record (``audit_row``'s arguments)."""
    row = audit_row(**kwargs)
    row.save(force_insert=True)
    return row


def audit_bulk(*, actor, verb: str, target_type: str, ids: list[int], node_id: int | None = None,
               extra: dict[str, Any] | None = None) -> AuditLog:
    """Record one change that touched many records (an import batch): their ids go in ``extra``."""
    data = dict(extra or {})
    data["ids"] = ids
    return audit_record(
        actor=actor, verb=verb, target_type=target_type,
        target_id=f"{min(ids)}-{max(ids)}" if ids else "", node_id=node_id, extra=data,
        target_repr=f"{len(ids)} records",
    )
