"""Pauses 挂起 and extensions 延期: only with an approved reason, approved by a level above the
handling unit; the clock stops while paused; the sweep leaves paused appeals alone."""
import datetime as dt

import pytest

from shequ.appeals import services, timing
from shequ.appeals.models import Appeal, AppealEvent, TimeRequest
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.registry.tests.apiclient import api_as

from .factories import THURSDAY_10, submit
from .test_sweep import sh


def handled(world, code="noise_neighbor", at="A", user="worker_a"):
    """An appeal accepted and in progress by ``user`` (general class: due in 7 working days)."""
    actor = world.users[user]
    appeal = submit(actor=actor, code=code, at=at)
    services.appeal_accept(actor=actor, appeal_id=appeal.pk, now=THURSDAY_10)
    services.appeal_start(actor=actor, appeal_id=appeal.pk, now=THURSDAY_10)
    appeal.refresh_from_db()
    return appeal


def test_extension_needs_approval_from_the_level_above(world):
    appeal = handled(world)
    due = appeal.completion_due_at
    assert due == sh(2026, 12, 7, 10, 0)  # Thursday + 7 working days
    request = timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="extension",
                                         reason="需协调产权单位", extension_value=3, extension_unit="working_days",
                                         now=THURSDAY_10)
    appeal.refresh_from_db()
    assert appeal.completion_due_at == due  # nothing moves before approval
    # The community cannot approve its own request; a colleague at the same level cannot either.
    with pytest.raises(NotAllowed):
        timing.time_request_decide(actor=world.users["worker_a"], request_id=request.pk, approve=True)
    with pytest.raises(NotAllowed):
        timing.time_request_decide(actor=world.users["worker_b"], request_id=request.pk, approve=True)
    timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=True, note="同意",
                               now=THURSDAY_10 + dt.timedelta(hours=1))
    appeal.refresh_from_db()
    assert appeal.completion_due_at == sh(2026, 12, 10, 10, 0)  # three more working days
    assert appeal.completion_due_at - appeal.completion_warn_at == due - (
        THURSDAY_10 + (due - THURSDAY_10) * 0.8)  # the warning keeps its lead time
    request.refresh_from_db()
    assert (request.status, request.due_before, request.due_after) == ("approved", due, appeal.completion_due_at)
    verbs = list(AppealEvent.objects.filter(appeal=appeal).values_list("verb", flat=True))
    assert verbs[-2:] == ["extension_requested", "extended"]
    assert AuditLog.objects.filter(verb="appeal.extended", target_id=str(appeal.pk)).exists()


def test_rejection_needs_a_note_and_changes_nothing(world):
    appeal = handled(world)
    request = timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="pause",
                                         reason="等待诉求人提供材料")
    with pytest.raises(InvalidInput):
        timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=False)
    timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=False, note="理由不充分")
    appeal.refresh_from_db()
    assert appeal.paused_since is None
    request.refresh_from_db()
    assert request.status == "rejected"
    with pytest.raises(Conflict):  # decided once
        timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=True)


def test_request_rules(world):
    appeal = handled(world)
    worker = world.users["worker_a"]
    with pytest.raises(InvalidInput):
        timing.time_request_create(actor=worker, appeal_id=appeal.pk, kind="pause", reason="  ")
    with pytest.raises(InvalidInput):
        timing.time_request_create(actor=worker, appeal_id=appeal.pk, kind="extension", reason="x")
    timing.time_request_create(actor=worker, appeal_id=appeal.pk, kind="pause", reason="等待")
    with pytest.raises(Conflict):  # one pending request at a time
        timing.time_request_create(actor=worker, appeal_id=appeal.pk, kind="extension", reason="x",
                                   extension_value=1, extension_unit="calendar_days")
    with pytest.raises(NotInScope):  # another community's worker cannot even see it
        timing.time_request_create(actor=world.users["worker_b"], appeal_id=appeal.pk, kind="pause", reason="x")
    assert TimeRequest.objects.count() == 1


def test_extensions_are_limited(world):
    appeal = handled(world)
    for _ in range(timing.MAX_EXTENSIONS):
        request = timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="extension",
                                             reason="x", extension_value=1, extension_unit="calendar_days")
        timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=True)
    with pytest.raises(Conflict):
        timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="extension",
                                   reason="x", extension_value=1, extension_unit="calendar_days")


def test_department_requests_are_approved_by_the_district_office(world):
    worker = world.users["worker_a"]
    appeal = handled(world)
    services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"], note="转民政")
    request = timing.time_request_create(actor=world.users["dept"], appeal_id=appeal.pk, kind="pause", reason="等待鉴定")
    with pytest.raises(NotAllowed):  # a street is not above a district department
        timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=True)
    timing.time_request_decide(actor=world.users["office"], request_id=request.pk, approve=True)
    assert TimeRequest.objects.get().status == "approved"


def test_pause_stops_the_clock_and_the_sweep(world):
    appeal = handled(world)
    due = appeal.completion_due_at
    request = timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="pause",
                                         reason="诉求人出差,约定回来后上门")
    timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=True,
                               now=sh(2026, 11, 27, 10, 0))
    # Long past the original deadline: no warning, no escalation, not overdue while paused.
    result = services.appeals_sweep(now=sh(2026, 12, 8, 10, 0))
    assert (result.warned, result.escalated) == (0, 0)
    from shequ.appeals import selectors
    assert not selectors.appeal_list(user=world.users["worker_a"], overdue_at=sh(2026, 12, 8, 10, 0)).exists()
    with pytest.raises(Conflict):  # cannot ask again while paused
        timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="pause", reason="x")
    timing.appeal_resume(actor=world.users["worker_a"], appeal_id=appeal.pk, now=sh(2026, 11, 30, 10, 0))
    appeal.refresh_from_db()
    assert appeal.paused_since is None
    assert appeal.completion_due_at == due + dt.timedelta(days=3)  # paused Friday 10:00 to Monday 10:00
    request.refresh_from_db()
    assert (request.status, request.paused_until) == ("ended", sh(2026, 11, 30, 10, 0))
    with pytest.raises(Conflict):
        timing.appeal_resume(actor=world.users["worker_a"], appeal_id=appeal.pk)


def test_reply_ends_a_running_pause(world):
    appeal = handled(world)
    request = timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="pause", reason="等待",
                                         now=sh(2026, 11, 26, 11, 0))
    timing.time_request_decide(actor=world.users["street_s1"], request_id=request.pk, approve=True,
                               now=sh(2026, 11, 26, 12, 0))
    services.appeal_reply(actor=world.users["worker_a"], appeal_id=appeal.pk, reply="已处理", now=sh(2026, 11, 26, 14, 0))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REPLIED and appeal.paused_since is None
    assert list(AppealEvent.objects.filter(appeal=appeal).values_list("verb", flat=True))[-2:] == ["resumed", "replied"]


def test_api_pause_flow_and_scope(world):
    appeal = handled(world)
    worker, street, other = (api_as(world, u) for u in ("worker_a", "street_s1", "worker_b"))
    url = f"/appeals/{appeal.pk}/time-requests"
    assert other.post(url, {"kind": "pause", "reason": "x"}).status == 404
    assert api_as(world, "leader").post(url, {"kind": "pause", "reason": "x"}).status == 403
    assert worker.post(url, {"kind": "extension", "reason": "x"}).status == 422
    created = worker.post(url, {"kind": "pause", "reason": "等待材料"})
    assert created.status == 201, created
    rid = created.data["id"]
    assert [r["id"] for r in street.get("/appeals/time-requests/pending").data] == [rid]
    assert other.get("/appeals/time-requests/pending").status == 403
    assert worker.post(f"/appeals/time-requests/{rid}/decide", {"approve": True}).status == 403
    assert api_as(world, "worker_b").post(f"/appeals/time-requests/{rid}/decide", {"approve": True}).status == 403
    decided = street.post(f"/appeals/time-requests/{rid}/decide", {"approve": True, "note": "同意"})
    assert decided.data["status"] == "approved"
    assert worker.get(f"/appeals/{appeal.pk}").data["paused_since"] is not None
    resumed = worker.post(f"/appeals/{appeal.pk}/resume", {})
    assert resumed.status == 200 and resumed.data["paused_since"] is None


def test_the_desk_lists_only_requests_the_user_may_decide(world):
    from shequ.appeals import selectors

    worker = world.users["worker_a"]
    appeal = handled(world)
    services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"], note="转民政")
    request = timing.time_request_create(actor=world.users["dept"], appeal_id=appeal.pk, kind="pause", reason="等待鉴定")
    assert not selectors.pending_time_requests(user=world.users["street_s1"]).exists()  # a department: not the street's
    assert list(selectors.pending_time_requests(user=world.users["office"])) == [request]
