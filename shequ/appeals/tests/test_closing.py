"""Returns (退单), evaluation, closing and reopening: reasons required, limits enforced (409)."""
import datetime as dt

import pytest

from shequ.appeals import services
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Appeal, AppealEvent
from shequ.core.errors import Conflict, InvalidInput, InvalidTransition
from shequ.core.models import AuditLog

from .factories import THURSDAY_10, submit

S = Appeal.Status


@pytest.fixture
def dispatched(world):
    """An appeal of community A, accepted by worker_a and dispatched to the civil-affairs department."""
    worker = world.users["worker_a"]
    appeal = submit(actor=worker)
    services.appeal_accept(actor=worker, appeal_id=appeal.pk)
    return services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"])


@pytest.fixture
def replied(world, dispatched):
    dept = world.users["dept"]
    services.appeal_start(actor=dept, appeal_id=dispatched.pk)
    return services.appeal_reply(actor=dept, appeal_id=dispatched.pk, reply="已处理")


def test_return_needs_a_reason_and_goes_back_to_the_lead_unit(world, dispatched):
    dept = world.users["dept"]
    with pytest.raises(InvalidInput) as caught:
        services.appeal_return(actor=dept, appeal_id=dispatched.pk, reason=" ")
    assert caught.value.code == "appeal_reason_required"
    appeal = services.appeal_return(actor=dept, appeal_id=dispatched.pk, reason="不属于民政职责")
    assert appeal.status == S.ACCEPTED and appeal.return_count == 1
    assert appeal.handling_department is None and appeal.handling_node == world.nodes["A_grid"]
    assert appeal.first_receiver == world.users["worker_a"]
    assert AppealEvent.objects.filter(appeal=appeal, verb="returned").get().note == "不属于民政职责"
    assert AuditLog.objects.filter(verb="appeal.returned", target_id=str(appeal.pk)).exists()


def test_returns_are_limited(world, dispatched):
    worker, dept = world.users["worker_a"], world.users["dept"]
    for _ in range(Appeal.MAX_RETURNS):
        services.appeal_return(actor=dept, appeal_id=dispatched.pk, reason="非本部门")
        services.appeal_dispatch(actor=worker, appeal_id=dispatched.pk, department=world.departments["civil"])
    with pytest.raises(Conflict) as caught:
        services.appeal_return(actor=dept, appeal_id=dispatched.pk, reason="非本部门")
    assert caught.value.status == 409 and caught.value.code == "appeal_return_limit"
    assert Appeal.objects.get(pk=dispatched.pk).status == S.DISPATCHED


def test_evaluate_then_close(world, replied):
    worker = world.users["worker_a"]
    with pytest.raises(InvalidInput):
        services.appeal_evaluate(actor=worker, appeal_id=replied.pk, solved=True, satisfaction="great")
    appeal = services.appeal_evaluate(actor=worker, appeal_id=replied.pk, solved=True, satisfaction="basic")
    assert (appeal.status, appeal.solved, appeal.satisfaction) == (S.EVALUATED, True, "basic")
    appeal = services.appeal_close(actor=worker, appeal_id=replied.pk)
    assert appeal.status == S.CLOSED and appeal.closed_at is not None
    with pytest.raises(InvalidTransition):
        services.appeal_evaluate(actor=worker, appeal_id=replied.pk, solved=False, satisfaction="unsatisfied")


def test_closing_an_unhandled_appeal_needs_a_note(world):
    worker = world.users["worker_a"]
    appeal = submit(actor=worker, code="other_certificate")
    with pytest.raises(InvalidInput):
        services.appeal_close(actor=worker, appeal_id=appeal.pk)
    appeal = services.appeal_close(actor=worker, appeal_id=appeal.pk, note="咨询已当场答复")
    assert appeal.status == S.CLOSED


def test_reopen_gives_a_new_round_and_is_bounded(world, replied):
    worker = world.users["worker_a"]
    services.appeal_evaluate(actor=worker, appeal_id=replied.pk, solved=False, satisfaction="unsatisfied")
    monday = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    appeal = services.appeal_reopen(actor=worker, appeal_id=replied.pk, reason="问题仍未解决", now=monday)
    assert appeal.status == S.REOPENED and appeal.reopen_count == 1
    assert appeal.completion_due_at == dt.datetime(2026, 12, 9, 9, 0, tzinfo=SHANGHAI)  # 7 working days
    assert appeal.received_at == THURSDAY_10
    for _ in range(Appeal.MAX_REOPENS - 1):
        services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, node=world.nodes["A"])
        services.appeal_start(actor=worker, appeal_id=appeal.pk)
        services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="再次处理")
        services.appeal_reopen(actor=worker, appeal_id=appeal.pk, reason="仍未解决")
    services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, node=world.nodes["A"])
    services.appeal_start(actor=worker, appeal_id=appeal.pk)
    services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="第三次处理")
    with pytest.raises(Conflict) as caught:
        services.appeal_reopen(actor=worker, appeal_id=appeal.pk, reason="还是不行")
    assert caught.value.code == "appeal_reopen_limit"
