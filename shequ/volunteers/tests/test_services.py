"""Volunteer services: registration (resident linked, outsider's phone encrypted), sign-up limits,
check-in and confirmed hours, call-outs by grid, scope."""
import datetime as dt
import os
from decimal import Decimal

import pytest
from django.db import connection

from shequ.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotInScope,
)
from shequ.core.models import AuditLog
from shequ.volunteers import selectors, services
from shequ.volunteers.models import CallOutReply, SignUp, Volunteer

from .factories import activity, ensure_skills, outsider, register


def test_a_resident_volunteer_is_linked_and_located_at_home(world):
    v = register(world)
    assert v.resident == world.residents["A101h"] and v.name == "" and v.phone == ""
    assert v.grid_id == world.nodes["A_grid"].pk and v.community_id == world.nodes["A"].pk
    assert [s.code for s in v.skills.all()] == ["first_aid"]
    assert v.contact_phone == world.residents["A101h"].phone
    assert AuditLog.objects.filter(verb="volunteer.registered", target_id=str(v.pk)).exists()
    with pytest.raises(Conflict):
        register(world)


def test_an_outsiders_phone_is_encrypted_and_found_by_its_hash(world):
    v = outsider(world)
    with connection.cursor() as cur:
        cur.execute("SELECT phone, phone_hash FROM volunteers_volunteer WHERE id = %s", [v.pk])
        raw, digest = cur.fetchone()
    assert "13912345678" not in raw and raw.startswith("v1:") and digest
    assert Volunteer.objects.get(pk=v.pk).phone == "13912345678"
    found = selectors.volunteer_list(user=world.users["worker_a"], q="13912345678")
    assert [x.pk for x in found] == [v.pk]
    with pytest.raises(Conflict):
        outsider(world, name="另一人")


def test_an_outsider_needs_name_phone_and_a_place_in_scope(world):
    ensure_skills()
    user = world.users["worker_a"]
    with pytest.raises(InvalidInput) as exc:
        services.volunteer_register(actor=user, name="王", phone="123", node_id=world.nodes["A_grid"].pk)
    assert exc.value.extra["field"] == "phone"
    with pytest.raises(NotInScope):
        services.volunteer_register(actor=user, name="王", phone="13912345678", node_id=world.nodes["B_grid"].pk)
    with pytest.raises(NotInScope):
        services.volunteer_register(actor=user, resident_id=world.residents["B101h"].pk)
    with pytest.raises(InvalidInput) as exc:
        services.volunteer_register(actor=user, resident_id=world.residents["A101h"].pk, skills=["flying"])
    assert exc.value.extra["field"] == "skills"
    assert not Volunteer.objects.exists()


def test_sign_up_limit_holds_and_a_cancellation_frees_a_place(world):
    a = activity(world, capacity=2)
    v1, v2, v3 = register(world, "A101h"), register(world, "A101s"), register(world, "A102h")
    user = world.users["worker_a"]
    s1 = services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v1.pk)
    services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v2.pk)
    with pytest.raises(Conflict) as exc:
        services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v3.pk)
    assert exc.value.code == "activity_full"
    with pytest.raises(Conflict) as exc:
        services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v1.pk)
    assert exc.value.code == "activity_already_signed"
    services.signup_cancel(actor=user, signup_id=s1.pk)
    services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v3.pk)
    again = services.signup_create  # v1 cannot come back: the activity is full again
    with pytest.raises(Conflict):
        again(actor=user, activity_id=a.pk, volunteer_id=v1.pk)


def test_check_in_then_confirmed_hours_count(world):
    a = activity(world, capacity=3)
    assert a.hours == Decimal("3.0")
    v = register(world)
    user = world.users["worker_a"]
    s = services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v.pk)
    with pytest.raises(InvalidTransition):
        services.signup_confirm_hours(actor=user, signup_id=s.pk)
    services.signup_check_in(actor=user, signup_id=s.pk)
    with pytest.raises(InvalidInput) as exc:
        services.signup_confirm_hours(actor=user, signup_id=s.pk, hours="30")
    assert exc.value.extra["field"] == "hours"
    services.signup_confirm_hours(actor=user, signup_id=s.pk, hours="2.5")
    assert selectors.volunteer_hours(volunteer=v) == Decimal("2.5")
    board = selectors.leaderboard(user=user)
    assert board[0]["volunteer_id"] == v.pk and board[0]["hours"] == Decimal("2.5")
    assert selectors.leaderboard(user=world.users["worker_b"]) == []
    with pytest.raises(NotInScope):
        services.signup_check_in(actor=world.users["worker_b"], signup_id=s.pk)


def test_leaderboard_ranks_by_confirmed_hours(world):
    user = world.users["worker_a"]
    v1, v2 = register(world, "A101h"), register(world, "A102h")
    for hours, volunteers in (("2", (v1, v2)), ("4", (v2,))):
        a = activity(world, capacity=5, hours=hours)
        for v in volunteers:
            s = services.signup_create(actor=user, activity_id=a.pk, volunteer_id=v.pk)
            services.signup_check_in(actor=user, signup_id=s.pk)
            services.signup_confirm_hours(actor=user, signup_id=s.pk)
    board = selectors.leaderboard(user=world.users["street_s1"])
    assert [(r["volunteer_id"], r["hours"], r["activities"]) for r in board] == [(v2.pk, Decimal("6.0"), 2), (v1.pk, Decimal("2.0"), 1)]


def test_a_resident_signs_up_only_in_their_own_community(world):
    register(world, "A101h")
    own, other = activity(world), activity(world, actor="worker_b", node="B")
    resident = world.users["resident_a"]
    signup = services.signup_create(actor=resident, activity_id=own.pk)
    assert signup.volunteer.resident_id == world.residents["A101h"].pk
    with pytest.raises(NotInScope):
        services.signup_create(actor=resident, activity_id=other.pk)
    services.signup_cancel(actor=resident, signup_id=signup.pk)
    with pytest.raises(NotAllowed):
        services.signup_check_in(actor=resident, signup_id=signup.pk)


def test_self_registration(world):
    ensure_skills()
    v = services.volunteer_self_register(actor=world.users["resident_a"], skills=["door_visit"])
    assert v.resident == world.residents["A101h"] and v.registered_by == world.users["resident_a"]


def test_call_out_reaches_the_grid_volunteers_and_records_who_answered(world):
    v1, v2 = register(world, "A101h"), register(world, "A102h", emergency_ready=False)
    register(world, "B101h", actor="worker_b")
    user = world.users["grid_a"]
    door = services.callout_create(actor=user, grid_id=world.nodes["A_grid"].pk, kind="door_to_door",
                                   message="今晚入户排查燃气安全", needed=2)
    assert set(door.replies.values_list("volunteer_id", flat=True)) == {v1.pk, v2.pk}
    emergency = services.callout_create(actor=user, grid_id=world.nodes["A_grid"].pk, kind="emergency", message="暴雨转移群众")
    assert list(emergency.replies.values_list("volunteer_id", flat=True)) == [v1.pk]
    services.callout_answer(actor=world.users["resident_a"], callout_id=door.pk, answer="yes")
    services.callout_answer(actor=user, callout_id=door.pk, volunteer_id=v2.pk, answer="no")
    answers = dict(CallOutReply.objects.filter(callout=door).values_list("volunteer_id", "answer"))
    assert answers == {v1.pk: "yes", v2.pk: "no"}
    with pytest.raises(InvalidInput) as exc:
        services.callout_answer(actor=user, callout_id=emergency.pk, volunteer_id=v2.pk, answer="yes")
    assert exc.value.code == "callout_not_called"
    services.callout_close(actor=user, callout_id=door.pk)
    with pytest.raises(Conflict):
        services.callout_answer(actor=world.users["resident_a"], callout_id=door.pk, answer="no")
    with pytest.raises(NotInScope):
        services.callout_create(actor=user, grid_id=world.nodes["B_grid"].pk, kind="emergency", message="x")


def test_a_grid_without_volunteers_cannot_be_called(world):
    with pytest.raises(InvalidInput) as exc:
        services.callout_create(actor=world.users["worker_a"], grid_id=world.nodes["A_grid"].pk, kind="emergency", message="x")
    assert exc.value.code == "callout_no_volunteers"


def test_cancelling_an_activity_cancels_its_open_signups(world):
    a = activity(world)
    s = services.signup_create(actor=world.users["worker_a"], activity_id=a.pk, volunteer_id=register(world).pk)
    services.activity_set_status(actor=world.users["worker_a"], activity_id=a.pk, status="cancelled")
    assert SignUp.objects.get(pk=s.pk).status == "cancelled"
    with pytest.raises(InvalidTransition):
        services.activity_set_status(actor=world.users["worker_a"], activity_id=a.pk, status="open")


def test_activity_times_must_make_sense(world):
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    with pytest.raises(InvalidInput) as exc:
        services.activity_create(actor=world.users["worker_a"], title="x", node_id=world.nodes["A"].pk, starts_at=start,
                                 ends_at=start, capacity=3)
    assert exc.value.extra["field"] == "ends_at"
    with pytest.raises(NotAllowed):
        services.activity_create(actor=world.users["leader"], title="x", node_id=world.nodes["A"].pk, starts_at=start,
                                 ends_at=start + dt.timedelta(hours=1), capacity=3)


@pytest.mark.skipif(os.environ.get("SHEQU_TEST_DB") != "postgres",
                    reason="concurrent writers need PostgreSQL (SQLite serializes the whole database)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sign_ups_cannot_overfill_an_activity(world):
    """The activity row is locked while its places are counted: of four volunteers racing for two
    places, two get in."""
    import threading

    a = activity(world, capacity=2)
    volunteers = [register(world, key) for key in ("A101h", "A101s", "A102h", "A102s")]
    barrier = threading.Barrier(len(volunteers))
    outcomes = []

    def sign(v):
        from django.db import connections

        try:
            barrier.wait()
            services.signup_create(actor=world.users["worker_a"], activity_id=a.pk, volunteer_id=v.pk)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(v,)) for v in volunteers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["activity_full", "activity_full", "ok", "ok"]
    assert SignUp.objects.filter(activity=a).count() == 2
