"""Background work of the platform core: sealing the audit log and watching it (docs/security.md)."""
from __future__ import annotations

from django_tasks import task


@task()
def audit_seal_task() -> dict:
    """Add the audit rows written since the last run to the hash chain."""
    from .audit_chain import seal_pending

    return {"sealed": seal_pending()}


@task()
def audit_alerts_task() -> dict:
    """Alert administrators to accounts unmasking or exporting personal data in bulk."""
    from .audit_chain import unusual_access

    return {"alerts": len(unusual_access())}
