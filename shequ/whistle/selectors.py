"""Scoped reads of whistles. Every read starts from ``scoping.scope_queryset``: a street sees
the whistles placed in its street, a community worker those placed in its community, the
district office and leaders their district's, a department only those where it is whistled
(``scoping.DEPARTMENT_LOOKUP``: through its ``WhistleTarget`` rows)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.appeals import selectors as appeal_selectors
from shequ.core.errors import InvalidInput
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department

from .models import Whistle, WhistleEvent, WhistleTarget


def _visible(user) -> QuerySet[Whistle]:
    if not scoping.can(user, "whistle.view"):
        return Whistle.objects.none()
    qs = scoping.scope_queryset(Whistle.objects.all(), user)
    if getattr(user, "role", None) == Role.DEPARTMENT:
        qs = qs.distinct()  # a user bound to two whistled departments would see the whistle twice
    return qs


def whistle_list(*, user, status: str = "", urgency: str = "", department: int | None = None,
                 late_at: dt.datetime | None = None, q: str = "") -> QuerySet[Whistle]:
    """The whistles a user may see, newest first, with their departments. ``late_at`` keeps those
    with a department not on site by its due time, or not replied by its due time, as of that moment."""
    qs = _visible(user)
    if status:
        qs = qs.filter(status=status)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if department:
        qs = qs.filter(targets__department_id=department)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    if late_at is not None:
        late = (WhistleTarget.objects.filter(on_site_at__isnull=True, whistle__report_due_at__lt=late_at)
                | WhistleTarget.objects.filter(replied_at__isnull=True, whistle__reply_due_at__lt=late_at))
        qs = qs.filter(pk__in=late.values("whistle_id"), closed_at__isnull=True)
    targets = WhistleTarget.objects.select_related("department").order_by("id")
    return (qs.select_related("street", "place").prefetch_related(Prefetch("targets", queryset=targets))
            .order_by("-whistled_at", "-id"))


def whistle_get(*, user, pk: int) -> Whistle:
    """One whistle (404 when missing or outside the user's scope), with its departments and appeals."""
    targets = WhistleTarget.objects.select_related("department", "scored_by").order_by("id")
    return scoping.get_in_scope(
        _visible(user).select_related("street", "place", "community", "whistled_by")
        .prefetch_related(Prefetch("targets", queryset=targets), "appeals"),
        user, pk=pk)


def whistle_timeline(*, user, whistle: Whistle) -> QuerySet[WhistleEvent]:
    """The timeline of a whistle already loaded through ``whistle_get`` (every department's steps:
    departments called together see who else is coming)."""
    return WhistleEvent.objects.filter(whistle=whistle).select_related("target__department").order_by("at", "id")


def visible_targets(*, user, whistle: Whistle, now: dt.datetime) -> list[WhistleTarget]:
    """The department rows of a whistle loaded through ``whistle_get`` (whoever may see the whistle
    sees every department's progress; only their own is theirs to act on, ``own_target_ids``),
    with ``report_state`` and ``reply_state`` as of ``now`` (``step_state``)."""
    targets = list(whistle.targets.all())
    for t in targets:
        t.whistle = whistle
        t.report_state = step_state(t.on_site_at, whistle.report_due_at, now)
        t.reply_state = step_state(t.replied_at, whistle.reply_due_at, now)
    return targets


def own_target_ids(*, user, targets: list[WhistleTarget]) -> set[int]:
    """Of the rows from ``visible_targets``, those this user may act on (a department: its own)."""
    if not scoping.can(user, "whistle.act"):
        return set()
    return {t.pk for t in targets if scoping.obj_in_scope(user, t)}


def whistle_departments(*, user) -> QuerySet[Department]:
    """The departments of the user's district(s): those a whistle may call, or filter on."""
    qs = Department.objects.select_related("district").order_by("district__path", "code", "id")
    if scoping.is_global(user):
        return qs
    return qs.filter(district_id__in={node.district_id for node in scoping.bound_nodes(user) if node.district_id})


def appeal_ids_by_number(*, user, numbers: list[str]) -> list[int]:
    """Appeal ids for exact appeal numbers the user may see (422 naming the unknown ones)."""
    wanted = {n.strip().upper() for n in numbers if n.strip()}
    if not wanted:
        return []
    found = dict(appeal_selectors.appeal_list(user=user).filter(number__in=wanted).values_list("number", "pk"))
    missing = sorted(wanted - set(found))
    if missing:
        raise InvalidInput(_("找不到诉求:%(numbers)s") % {"numbers": "、".join(missing)},
                           extra={"field": "appeals", "missing": missing})
    return sorted(found.values())


def step_state(done_at: dt.datetime | None, due_at: dt.datetime, now: dt.datetime) -> str:
    """on_time / late for a step done, overdue / pending for one not done yet (against its due time)."""
    if done_at is not None:
        return "on_time" if done_at <= due_at else "late"
    return "overdue" if now > due_at else "pending"
