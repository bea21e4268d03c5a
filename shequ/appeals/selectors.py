"""Scoped reads of appeals. Every read starts from ``scoping.scope_queryset``: a grid or
community worker sees the appeals located in their area, a street its communities', a
department the appeals it handles, the district office and leaders their district's."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department

from .models import Appeal, AppealAttachment, AppealEvent, ServiceCategory, TimeLimitClass

OPEN_STATUSES = (Appeal.Status.RECEIVED, Appeal.Status.ACCEPTED, Appeal.Status.DISPATCHED,
                 Appeal.Status.IN_PROGRESS, Appeal.Status.REOPENED)


def _visible(user) -> QuerySet[Appeal]:
    if not scoping.can(user, "appeals.view"):
        return Appeal.objects.none()
    return scoping.scope_queryset(Appeal.objects.all(), user)


def appeal_list(*, user, status: str = "", category: ServiceCategory | None = None, node=None,
                overdue_at: dt.datetime | None = None, number: str = "") -> QuerySet[Appeal]:
    """The appeals a user may see, newest first; ``overdue_at`` keeps the open ones past their completion
    due time; ``number`` matches the start of the appeal number (SQ-20261126-...)."""
    qs = _visible(user)
    if number:
        qs = qs.filter(number__startswith=number.strip().upper())
    if status:
        qs = qs.filter(status=status)
    if category is not None:
        qs = qs.filter(category=category)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if overdue_at is not None:
        qs = qs.filter(status__in=OPEN_STATUSES, completion_due_at__lt=overdue_at)
    return qs.select_related("category", "handling_node", "handling_department", "community").order_by("-received_at", "-id")


def appeal_get(*, user, pk: int) -> Appeal:
    """One appeal (404 when missing or outside the user's scope)."""
    return scoping.get_in_scope(
        _visible(user).select_related("category__time_limit", "handling_node", "handling_department",
                                      "lead_node", "lead_department", "first_receiver", "address", "community", "grid"),
        user, pk=pk)


def appeal_timeline(*, user, appeal: Appeal) -> QuerySet[AppealEvent]:
    """The timeline of an appeal already loaded through ``appeal_get``."""
    return AppealEvent.objects.filter(appeal=appeal).select_related("actor").order_by("at", "id")


def appeal_attachments(*, appeal: Appeal) -> QuerySet[AppealAttachment]:
    """The files of an appeal already loaded through ``appeal_get`` (so in the user's scope)."""
    return AppealAttachment.objects.filter(appeal=appeal).order_by("id")


def attachment_get(*, user, appeal_pk: int, pk: int) -> AppealAttachment:
    """One file of an appeal the user may see (404 when either is missing or out of scope)."""
    appeal = appeal_get(user=user, pk=appeal_pk)
    try:
        return appeal_attachments(appeal=appeal).get(pk=pk)
    except AppealAttachment.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


def category_list(*, active_only: bool = True) -> QuerySet[ServiceCategory]:
    """The service catalog (public: it is what Open311 ``services`` lists)."""
    qs = ServiceCategory.objects.select_related("time_limit", "parent")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("sort", "code")


def time_limit_class_list() -> QuerySet[TimeLimitClass]:
    return TimeLimitClass.objects.order_by("sort", "code")


def category_get(*, code: str) -> ServiceCategory:
    """An active catalog entry by code (404 when unknown or inactive)."""
    try:
        return category_list().get(code=code)
    except ServiceCategory.DoesNotExist:
        raise NotInScope(_("类别不存在或已停用"), extra={"category": code}) from None


def department_get(*, pk: int) -> Department:
    """A department to dispatch to (departments are district-wide units, visible to handlers)."""
    try:
        return Department.objects.get(pk=pk)
    except Department.DoesNotExist:
        raise NotInScope(_("部门不存在"), extra={"department": pk}) from None


def department_list() -> QuerySet[Department]:
    """Departments an appeal may be dispatched to (district-wide units)."""
    return Department.objects.order_by("name", "id")
