"""Scoped reads of work admission. Every read of tasks, assignments and community records starts
from ``scoping.scope_queryset``:

* a department sees its own requests and their assignments (``scoping.DEPARTMENT_LOOKUP``);
* the district office and leaders see their district's (tasks are located at their district);
* a community sees a task only through its own ``Assignment`` (a task sent to community B is 404
  for community A), a grid only through its grid's, a street through its communities';
* lists are published data: anyone may read the list in force (the public page); drafts and old
  versions are for users of that district.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department, Level, Node

from .models import (
    AdmissionItem, AdmissionList, Assignment, Plaque, StampRecord, TaskEvent, UnadmittedReport, WorkTask,
)

_NOT_FOUND = _("记录不存在或不在您的辖区内")


def _scoped(user, model) -> QuerySet:
    """The records of a located admission model this user may read (none without ``admission.view``)."""
    if not scoping.can(user, "admission.view"):
        return model.objects.none()
    return scoping.scope_queryset(model.objects.all(), user)


# --- lists ---------------------------------------------------------------------------------------

def list_in_force(*, district_id: int, day: dt.date) -> AdmissionList | None:
    """The version of a district's lists in force on ``day`` (None before the first one)."""
    return (AdmissionList.objects.filter(district_id=district_id, effective_from__lte=day)
            .exclude(status=AdmissionList.Status.DRAFT)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day)).order_by("-version").first())


def user_district_ids(user) -> set[int]:
    """The districts of a user's bound nodes (a department user: its department's district)."""
    if scoping.is_global(user):
        return set(Node.objects.filter(level=Level.DISTRICT).values_list("pk", flat=True))
    return {node.district_id for node in scoping.bound_nodes(user) if node.district_id}


def list_versions(*, user) -> QuerySet[AdmissionList]:
    """Every version of the lists of the user's districts (drafts only for those who edit them)."""
    if not scoping.can(user, "admission.view"):
        return AdmissionList.objects.none()
    qs = AdmissionList.objects.filter(district_id__in=user_district_ids(user))
    if not scoping.can(user, "admission.lists"):
        qs = qs.exclude(status=AdmissionList.Status.DRAFT)
    return qs.select_related("district", "published_by").annotate(n_items=Count("items")).order_by("district__path", "-version")


def list_get(*, user, pk: int) -> AdmissionList:
    found = list_versions(user=user).filter(pk=pk).first()
    if found is None:
        raise NotInScope(_NOT_FOUND)
    return found


def list_items(admission_list: AdmissionList) -> dict[str, list[AdmissionItem]]:
    """The items of a version grouped by category, in the categories' order."""
    from .models import Category

    grouped: dict[str, list[AdmissionItem]] = {c: [] for c in Category.values}
    for item in admission_list.items.order_by("category", "sort", "id"):
        grouped[item.category].append(item)
    return grouped


def public_district(*, code: str) -> Node:
    district = Node.objects.filter(level=Level.DISTRICT, code=code).first()
    if district is None:
        raise NotInScope(_NOT_FOUND)
    return district


# --- tasks and assignments ----------------------------------------------------------------------

def task_queryset(user) -> QuerySet[WorkTask]:
    """The tasks this user may read: by scope, or through an assignment of theirs."""
    if not scoping.can(user, "admission.view"):
        return WorkTask.objects.none()
    own = scoping.scope_q(user, WorkTask)
    via = Q(pk__in=scoping.scope_queryset(Assignment.objects.all(), user).values("task_id"))
    return WorkTask.objects.filter(own | via)


def task_list(*, user, status: str = "", department: int | None = None, duty_class: str = "",
              q: str = "") -> QuerySet[WorkTask]:
    qs = task_queryset(user)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    if duty_class:
        qs = qs.filter(duty_class=duty_class)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    return qs.select_related("department", "list_item").order_by("-submitted_at", "-id")


def task_get(*, user, pk: int) -> WorkTask:
    task = task_list(user=user).select_related("decided_by", "submitted_by", "admission_list").filter(pk=pk).first()
    if task is None:
        raise NotInScope(_NOT_FOUND)
    return task


def task_assignments(*, user, task: WorkTask) -> list[Assignment]:
    """The assignments of a task this user may see (a community: its own and its grids')."""
    return list(scoping.scope_queryset(Assignment.objects.filter(task=task), user)
                .select_related("node", "completed_by").prefetch_related("files").order_by("parent_id", "node__path"))


def task_events(*, user, task: WorkTask, assignments: list[Assignment]) -> QuerySet[TaskEvent]:
    """The task's timeline: its own steps and those of the assignments the user sees."""
    ids = [a.pk for a in assignments]
    return (TaskEvent.objects.filter(task=task).filter(Q(assignment__isnull=True) | Q(assignment_id__in=ids))
            .order_by("at", "id"))


def assignment_list(*, user, status: str = "", overdue_on: dt.date | None = None, q: str = "",
                    level: str = "") -> QuerySet[Assignment]:
    """Assignments the user may see, soonest due first; ``overdue_on`` keeps the open ones due before that day."""
    qs = _scoped(user, Assignment)
    if status:
        qs = qs.filter(status=status)
    if overdue_on is not None:
        qs = qs.exclude(status=Assignment.Status.COMPLETED).filter(due_on__lt=overdue_on)
    if level == "community":
        qs = qs.filter(parent__isnull=True)
    elif level == "grid":
        qs = qs.filter(parent__isnull=False)
    if q:
        qs = qs.filter(task__title__icontains=q.strip())
    return qs.select_related("task__department", "node").prefetch_related("files").order_by("due_on", "id")


def assignment_get(*, user, pk: int) -> Assignment:
    if not scoping.can(user, "admission.view"):
        raise NotInScope(_NOT_FOUND)
    return scoping.get_in_scope(
        Assignment.objects.select_related("task__department", "task__list_item", "node", "parent", "completed_by")
        .prefetch_related("files", Prefetch("children", queryset=Assignment.objects.select_related("node"))),
        user, pk=pk)


def community_grids(*, user, community_id: int) -> QuerySet[Node]:
    return scoping.scope_queryset(Node.objects.filter(level=Level.GRID, community_id=community_id), user).order_by("path")


def user_communities(*, user) -> QuerySet[Node]:
    """The communities a user works in (the forms' choices)."""
    return scoping.scope_queryset(Node.objects.filter(level=Level.COMMUNITY), user).order_by("path")


def district_communities(*, district_id: int) -> QuerySet[Node]:
    return Node.objects.filter(level=Level.COMMUNITY, district_id=district_id).order_by("path")


def district_departments(*, user) -> QuerySet[Department]:
    return Department.objects.filter(district_id__in=user_district_ids(user)).order_by("district__path", "code", "id")


def own_departments(*, user) -> QuerySet[Department]:
    if scoping.is_global(user):
        return Department.objects.select_related("district").order_by("code")
    return Department.objects.filter(pk__in=scoping.bound_department_ids(user)).select_related("district").order_by("code")


# --- community records --------------------------------------------------------------------------

def unadmitted_list(*, user, status: str = "", department: int | None = None) -> QuerySet[UnadmittedReport]:
    qs = _scoped(user, UnadmittedReport)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    return qs.select_related("department", "community", "reported_by").order_by("-received_on", "-id")


def unadmitted_get(*, user, pk: int) -> UnadmittedReport:
    found = unadmitted_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotInScope(_NOT_FOUND)
    return found


def stamp_list(*, user, kind: str = "", outcome: str = "") -> QuerySet[StampRecord]:
    qs = _scoped(user, StampRecord)
    if kind:
        qs = qs.filter(kind=kind)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.select_related("community", "department", "item").order_by("-at", "-id")


def plaque_list(*, user, current: bool = True) -> QuerySet[Plaque]:
    qs = _scoped(user, Plaque)
    if current:
        qs = qs.filter(removed_on__isnull=True)
    return qs.select_related("community", "department", "item").order_by("community__path", "-allowed", "name", "id")
