"""Page glue reads that have no home in a domain app yet: the audit log for admins."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import NotAllowed
from shequ.core.models import AuditLog
from shequ.jurisdiction import scoping


def audit_list(*, user, actor: str = "", verb: str = "", target_type: str = "", target_id: str = "",
               date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[AuditLog]:
    """The audit log, newest first; system admins only (it spans every jurisdiction)."""
    if not scoping.is_global(user):
        raise NotAllowed(_("仅系统管理员可查看审计日志"))
    qs = AuditLog.objects.all()
    if actor:
        qs = qs.filter(actor_name=actor.strip())
    if verb:
        qs = qs.filter(verb__startswith=verb.strip())
    if target_type:
        qs = qs.filter(target_type=target_type.strip())
    if target_id:
        qs = qs.filter(target_id=target_id.strip())
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-at", "-id")
