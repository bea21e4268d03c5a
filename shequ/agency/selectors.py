"""Scoped reads of agency cases and visits. Every read starts from ``scoping.scope_queryset``:
a grid worker sees the cases and visits of their grid, a community worker their community's,
street and district staff everything below them, leaders read only. A resident sees their own
cases (never a housemate's or anyone else's) and no visits list."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.core.errors import InvalidInput, NotAllowed, NotInScope
from shequ.jurisdiction import scoping

from .models import AgencyCase, CaseStep, Matter, Trip, Visit


def is_resident(user) -> bool:
    return getattr(user, "role", None) == Role.RESIDENT and not scoping.is_global(user)


def ensure_staff(user) -> None:
    """Visits, the staff lists and the measures are for staff: 403 for residents and other roles."""
    if not scoping.can(user, "agency.view") or is_resident(user):
        raise NotAllowed(_("您的角色无权执行此操作"), extra={"action": "agency.view"})


def _cases(user) -> QuerySet[AgencyCase]:
    if not scoping.can(user, "agency.view"):
        raise NotAllowed(_("您的角色无权执行此操作"), extra={"action": "agency.view"})
    qs = scoping.scope_queryset(AgencyCase.objects.all(), user)
    if is_resident(user):
        qs = qs.filter(resident_id=user.resident_id or 0)
    return qs


def case_list(*, user, status: str = "", matter: Matter | None = None, number: str = "", node=None,
              overdue_at: dt.datetime | None = None, agent=None) -> QuerySet[AgencyCase]:
    """Cases the user may see, newest first; ``overdue_at`` keeps the open ones past their promised time."""
    qs = _cases(user)
    if status:
        qs = qs.filter(status=status)
    if matter is not None:
        qs = qs.filter(matter=matter)
    if number:
        qs = qs.filter(number__startswith=number.strip().upper())
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if agent is not None:
        qs = qs.filter(agent=agent)
    if overdue_at is not None:
        qs = qs.filter(status=AgencyCase.Status.IN_PROGRESS, due_at__lt=overdue_at)
    return qs.select_related("matter", "resident__household", "resident__community", "agent", "community").order_by(
        "-received_at", "-id")


def case_get(*, user, pk: int) -> AgencyCase:
    """One case (404 when missing or outside the user's scope, or another resident's)."""
    return scoping.get_in_scope(
        _cases(user).select_related("matter", "resident__household", "agent", "appeal", "community", "grid",
                                    "created_by"), user, pk=pk)


def case_steps(*, case: AgencyCase) -> list[CaseStep]:
    """The steps of a case already loaded through ``case_get``, in order."""
    return list(CaseStep.objects.filter(case=case).select_related("done_by").order_by("order"))


def case_trips(*, case: AgencyCase) -> list[Trip]:
    return list(Trip.objects.filter(case=case).select_related("recorded_by").order_by("at", "id"))


def _visits(user) -> QuerySet[Visit]:
    ensure_staff(user)
    return scoping.scope_queryset(Visit.objects.all(), user)


def visit_list(*, user, assignee=None, status: str = "", overdue_at: dt.datetime | None = None, case=None,
               node=None) -> QuerySet[Visit]:
    """Visits the user may see, the soonest due first; ``overdue_at`` keeps those still to make past due."""
    qs = _visits(user)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if status:
        qs = qs.filter(status=status)
    if case is not None:
        qs = qs.filter(case=case)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if overdue_at is not None:
        qs = qs.filter(status=Visit.Status.ASSIGNED, due_at__lt=overdue_at)
    return qs.select_related("resident__household__house__address", "resident__house__address", "resident__community",
                             "assignee", "assigned_node", "case", "grid", "community").order_by("due_at", "id")


def visit_get(*, user, pk: int) -> Visit:
    return scoping.get_in_scope(
        _visits(user).select_related("resident__household__house__address", "resident__house__address", "assignee", "assigned_node", "case",
                                     "appeal", "grid", "community", "requested_by", "recorded_by"), user, pk=pk)


def matter_list(*, active_only: bool = True) -> QuerySet[Matter]:
    """The agency catalog (public information: what the community can handle for you)."""
    qs = Matter.objects.prefetch_related("steps")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("sort", "code")


def matter_get(*, code: str) -> Matter:
    """An active matter by code (404 when unknown or inactive)."""
    try:
        return matter_list().get(code=code)
    except Matter.DoesNotExist:
        raise NotInScope(_("代办事项不存在或已停用"), extra={"matter": code}) from None


def agent_get(*, pk: int):
    """A user named as agent; whether they may be the agent is the service's check (422 either way)."""
    from shequ.accounts.models import User

    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise InvalidInput(_("代办员须为本社区的社区工作者或网格员"), extra={"field": "agent"})
    return user


def agent_options(user, limit: int = 200) -> list:
    """Community and grid workers bound inside the user's area: the agents a form offers."""
    from shequ.accounts.models import User

    from .services import AGENT_ROLES

    return list(User.objects.filter(role__in=AGENT_ROLES, is_active=True,
                                    bindings__node__in=scoping.visible_nodes(user).values("pk"))
                .distinct().order_by("role", "username")[:limit])
