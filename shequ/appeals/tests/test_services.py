"""Intake and workflow services: numbering, deadlines, timeline, audit, encryption, transitions."""
import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from shequ.appeals import services
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Appeal, AppealCounter, AppealEvent
from shequ.core.errors import InvalidInput, InvalidTransition, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.core.testing import in_own_connection

from .factories import POINT_NOWHERE, THURSDAY_10, category, submit

S = Appeal.Status


def test_submit_numbers_routes_and_sets_deadlines_once(world):
    appeal = submit(actor=world.users["worker_a"], requester_name="张三", requester_phone="13912345678")
    assert appeal.number == "SQ-20261126-000001"
    assert appeal.status == S.RECEIVED and appeal.channel == "window" and appeal.contact_kind == "complaint"
    assert appeal.first_receiver == world.users["worker_a"]
    assert appeal.handling_node == world.nodes["A_grid"] and appeal.lead_node == world.nodes["A_grid"]
    assert appeal.community_id == world.nodes["A"].pk and appeal.grid_id == world.nodes["A_grid"].pk
    assert appeal.routing_reason.startswith("派至甲社区第1网格")
    # general class: dispatch 24 h, response 24 h, completion 7 working days (Thursday -> Monday week).
    assert appeal.dispatch_due_at == dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    assert appeal.response_due_at == dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    assert appeal.completion_due_at == dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    assert appeal.accept_due_at is None


def test_emergency_web_appeal_deadlines(world):
    night = dt.datetime(2026, 11, 27, 23, 30, tzinfo=SHANGHAI)
    appeal = submit(code="elderly_alone", channel="web", now=night)
    assert appeal.first_receiver is None
    assert appeal.accept_due_at == dt.datetime(2026, 11, 28, 1, 30, tzinfo=SHANGHAI)
    assert appeal.dispatch_due_at == dt.datetime(2026, 11, 28, 0, 30, tzinfo=SHANGHAI)
    assert appeal.completion_due_at == dt.datetime(2026, 11, 28, 1, 30, tzinfo=SHANGHAI)


def test_submit_writes_timeline_and_audit_in_the_same_transaction(world):
    appeal = submit(actor=world.users["worker_a"])
    event = AppealEvent.objects.get(appeal=appeal)
    assert (event.verb, event.to_status, event.actor_name) == ("submitted", S.RECEIVED, "worker_a")
    assert event.note == appeal.routing_reason
    log = AuditLog.objects.get(verb="appeal.submitted", target_id=str(appeal.pk))
    assert log.target_type == "appeals.appeal" and log.node_id == world.nodes["A"].pk
    assert log.extra["routing"] == appeal.routing_reason


def test_requester_data_is_encrypted_at_rest(world):
    appeal = submit(requester_name="李四", requester_phone="139-1234-5678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT requester_name, requester_phone FROM appeals_appeal WHERE id = %s", [appeal.pk])
        raw_name, raw_phone = cursor.fetchone()
    assert "李四" not in raw_name and "13912345678" not in raw_phone
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.requester_name, fresh.requester_phone) == ("李四", "13912345678")
    assert fresh.requester_phone_hash and len(fresh.requester_phone_hash) <= 32


def test_submit_validates(world):
    with pytest.raises(InvalidInput):
        submit(description="   ")
    with pytest.raises(InvalidInput) as caught:
        submit(requester_phone="12345")
    assert caught.value.code == "appeal_invalid_phone"
    with pytest.raises(InvalidInput):
        submit(at=None, lng=116.2)
    inactive = category("other")
    inactive.active = False
    inactive.save(update_fields=["active"])
    with pytest.raises(InvalidInput):
        submit(code="other")
    assert not Appeal.objects.exists() and not AuditLog.objects.filter(verb="appeal.submitted").exists()


def test_submit_needs_the_create_capability(world):
    with pytest.raises(NotAllowed):
        submit(actor=world.users["leader"])


def test_appeal_without_place_goes_to_the_actors_district(world):
    lng, lat = POINT_NOWHERE
    appeal = submit(actor=world.users["worker_b"], at=None, lng=lng, lat=lat)
    assert appeal.handling_node == world.nodes["district"]
    assert appeal.district_id == world.nodes["district"].pk and appeal.community_id is None


def test_numbers_are_unique_and_restart_each_shanghai_day(world):
    numbers = [submit().number for _ in range(3)]
    assert numbers == ["SQ-20261126-000001", "SQ-20261126-000002", "SQ-20261126-000003"]
    # 16:30 UTC on the 26th is already the 27th in Shanghai.
    next_day = submit(now=dt.datetime(2026, 11, 26, 16, 30, tzinfo=dt.UTC))
    assert next_day.number == "SQ-20261127-000001"
    assert Appeal.objects.values("number").distinct().count() == 4


def test_concurrent_numbering_never_repeats(db):
    """Four connections take numbers at once; none repeats. The threads commit for real (a
    transactional test would flush the whole database), so the day is one no test uses and its
    counter row is deleted afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serializes writers")
    day, results, errors = dt.date(1999, 1, 1), [], []

    keys, durable = [], []

    def take(own_transaction: bool):
        try:
            for _ in range(10):
                if own_transaction:
                    with transaction.atomic():
                        results.append(services.next_number(day))
                else:  # as the intake outside a transaction: the counter and the keys, committed at once
                    number, ids = services.take_number(day, {Appeal: 1})
                    results.append(number)
                    keys.extend(ids[Appeal])
                    with connection.cursor() as cursor:  # its commit without waiting stays its own
                        cursor.execute("SHOW synchronous_commit")
                        durable.append(cursor.fetchone()[0])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    # The day's row does not exist yet: the first takers race to create it (ON CONFLICT).
    threads = [threading.Thread(target=take, args=(i % 2 == 0,)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert len(results) == 40 and len(set(results)) == 40
        assert sorted(results) == [f"SQ-19990101-{n:06d}" for n in range(1, 41)]  # no gaps when nothing fails
        assert len(keys) == 20 and len(set(keys)) == 20
        assert durable == ["on"] * 20  # the connection's next commits wait for the disk again
        assert in_own_connection(lambda: AppealCounter.objects.get(day=day).last) == 40
    finally:
        in_own_connection(lambda: AppealCounter.objects.filter(day=day).delete())


def test_workflow_accept_dispatch_start_reply(world):
    worker = world.users["worker_a"]
    appeal = submit(code="subsistence_allowance", channel="web")
    later = THURSDAY_10 + dt.timedelta(minutes=30)
    appeal = services.appeal_accept(actor=worker, appeal_id=appeal.pk, now=later)
    assert appeal.status == S.ACCEPTED and appeal.accepted_at == later
    assert appeal.first_receiver == worker  # self-service: whoever accepts is the first receiver
    appeal = services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"], now=later)
    assert appeal.status == S.DISPATCHED and appeal.handling_department == world.departments["civil"]
    dept = world.users["dept"]
    appeal = services.appeal_start(actor=dept, appeal_id=appeal.pk, now=later)
    appeal = services.appeal_reply(actor=dept, appeal_id=appeal.pk, reply="已受理低保申请,材料齐全", now=later)
    assert appeal.status == S.REPLIED and appeal.reply and appeal.replied_at == later
    assert appeal.first_receiver == worker
    verbs = list(AppealEvent.objects.filter(appeal=appeal).values_list("verb", "from_status", "to_status"))
    assert verbs == [("submitted", "", "received"), ("accepted", "received", "accepted"),
                     ("dispatched", "accepted", "dispatched"), ("started", "dispatched", "in_progress"),
                     ("replied", "in_progress", "replied")]
    audit = list(AuditLog.objects.filter(target_type="appeals.appeal", target_id=str(appeal.pk))
                 .order_by("at", "id").values_list("verb", flat=True))
    assert audit == ["appeal.submitted", "appeal.accepted", "appeal.dispatched", "appeal.started", "appeal.replied"]


def test_transfer_keeps_the_first_receiver_and_needs_a_reason(world):
    worker = world.users["worker_a"]
    appeal = submit(actor=worker)
    services.appeal_accept(actor=worker, appeal_id=appeal.pk)
    services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, node=world.nodes["A_grid"])
    with pytest.raises(InvalidInput):
        services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, node=world.nodes["A"])
    appeal = services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, node=world.nodes["A"], note="需社区协调物业")
    assert appeal.handling_node == world.nodes["A"] and appeal.first_receiver == worker
    assert appeal.lead_node == world.nodes["A_grid"]
    assert AppealEvent.objects.filter(appeal=appeal, verb="dispatched").last().note == "需社区协调物业"


def test_dispatch_to_a_node_outside_scope_is_refused(world):
    worker = world.users["worker_a"]
    appeal = submit(actor=worker)
    services.appeal_accept(actor=worker, appeal_id=appeal.pk)
    with pytest.raises(NotInScope):
        services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, node=world.nodes["B"])


@pytest.mark.parametrize(("status", "to", "allowed"), [
    (S.RECEIVED, S.ACCEPTED, True), (S.RECEIVED, S.REPLIED, False), (S.RECEIVED, S.DISPATCHED, False),
    (S.ACCEPTED, S.DISPATCHED, True), (S.ACCEPTED, S.EVALUATED, False), (S.DISPATCHED, S.IN_PROGRESS, True),
    (S.IN_PROGRESS, S.REPLIED, True), (S.REPLIED, S.IN_PROGRESS, False), (S.CLOSED, S.REOPENED, True),
    (S.CLOSED, S.ACCEPTED, False), (S.REOPENED, S.DISPATCHED, True),
])
def test_transition_table(status, to, allowed):
    appeal = Appeal(status=status)
    assert appeal.can_transition_to(to) is allowed
    if not allowed:
        with pytest.raises(InvalidTransition) as caught:
            appeal.transition_to(to)
        assert caught.value.status == 409 and caught.value.extra == {"from": status, "to": to}


def test_illegal_move_is_409_and_changes_nothing(world):
    worker = world.users["worker_a"]
    appeal = submit(actor=worker)
    with pytest.raises(InvalidTransition) as caught:
        services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="答复")
    assert caught.value.status == 409
    appeal.refresh_from_db()
    assert appeal.status == S.RECEIVED and appeal.reply == ""
    assert AppealEvent.objects.filter(appeal=appeal).count() == 1
    assert not AuditLog.objects.filter(verb="appeal.replied").exists()
