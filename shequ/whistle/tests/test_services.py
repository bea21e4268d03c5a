"""The whistle workflow: blowing, each department's steps in order, the derived whistle status,
the street's scores and their lock after closing; refused moves write nothing."""
import datetime as dt
from decimal import Decimal

import pytest

from shequ.appeals.tests.factories import submit
from shequ.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.whistle import services
from shequ.whistle.models import Whistle, WhistleEvent, WhistleTarget

from .factories import THURSDAY_10, blow, run_to_reply, target_of

pytestmark = pytest.mark.django_db
S = Whistle.Status
T = WhistleTarget.Status


def _snapshot():
    return (Whistle.objects.count(), WhistleTarget.objects.count(), WhistleEvent.objects.count(), AuditLog.objects.count(),
            list(WhistleTarget.objects.order_by("pk").values_list("status", "score")))


def test_blow_creates_one_row_per_department_located_at_the_place(wworld):
    appeal = submit(at="A")
    whistle = blow(wworld, urgency="urgent", appeal_ids=[appeal.pk], address_text="3号楼东侧")
    assert whistle.status == S.OPEN
    assert (whistle.street_id, whistle.community_id, whistle.district_id) == (
        wworld.nodes["S1"].pk, wworld.nodes["A"].pk, wworld.nodes["district"].pk)
    targets = list(whistle.targets.order_by("department__code"))
    assert [t.department.name for t in targets] == ["民政局", "住建委"]
    assert all(t.status == T.WHISTLED and t.community_id == wworld.nodes["A"].pk for t in targets)
    assert list(whistle.appeals.all()) == [appeal]
    assert whistle.report_due_at == THURSDAY_10 + dt.timedelta(minutes=30)
    assert [e.verb for e in whistle.events.all()] == ["whistled"]
    log = AuditLog.objects.get(verb="whistle.created")
    assert log.actor_name == "street_s1" and log.extra["urgency"] == "urgent" and log.node_id == wworld.nodes["A"].pk


def test_full_workflow_derives_the_whistle_status(wworld):
    whistle = blow(wworld)
    civil, housing = target_of(whistle, "civil", wworld), target_of(whistle, "housing", wworld)
    run_to_reply(wworld, civil)
    whistle.refresh_from_db()
    assert whistle.status == S.OPEN  # housing has not come yet
    services.target_acknowledge(actor=wworld.users["dept_housing"], target_id=housing.pk, now=THURSDAY_10)
    services.target_report_on_site(actor=wworld.users["dept_housing"], target_id=housing.pk, now=THURSDAY_10)
    whistle.refresh_from_db()
    assert whistle.status == S.ON_SITE
    services.target_act(actor=wworld.users["dept_housing"], target_id=housing.pk, notes="第一次处置", now=THURSDAY_10)
    services.target_act(actor=wworld.users["dept_housing"], target_id=housing.pk, notes="第二次处置", now=THURSDAY_10)
    services.target_reply(actor=wworld.users["dept_housing"], target_id=housing.pk, reply="已处理", now=THURSDAY_10)
    whistle.refresh_from_db()
    assert whistle.status == S.REPLIED
    housing.refresh_from_db()
    assert housing.action_notes.count("\n") == 1 and "第二次处置" in housing.action_notes
    street = wworld.users["street_s1"]
    for target in (civil, housing):
        services.target_score(actor=street, target_id=target.pk, timeliness=5, attitude=4, result=4, comment="配合积极")
    whistle.refresh_from_db()
    assert whistle.status == S.SCORED
    services.whistle_close(actor=street, whistle_id=whistle.pk, note="问题已解决")
    whistle.refresh_from_db()
    assert whistle.status == S.CLOSED and whistle.closed_at is not None
    civil.refresh_from_db()
    assert civil.on_site_people == "张科长等2人" and civil.reply == "违建已拆除,通道恢复畅通"
    assert civil.score == Decimal("86.67")
    verbs = list(AuditLog.objects.filter(target_type="whistle.whistletarget", target_id=str(civil.pk))
                 .order_by("at", "id").values_list("verb", flat=True))
    assert verbs == ["whistle.acknowledged", "whistle.on_site", "whistle.acted", "whistle.replied", "whistle.scored"]
    assert whistle.events.filter(verb="closed").exists()


def test_steps_out_of_order_are_refused_and_write_nothing(wworld):
    whistle = blow(wworld)
    civil = target_of(whistle, "civil", wworld)
    dept = wworld.users["dept"]
    before = _snapshot()
    with pytest.raises(InvalidTransition):
        services.target_report_on_site(actor=dept, target_id=civil.pk)  # not acknowledged yet
    with pytest.raises(InvalidTransition):
        services.target_reply(actor=dept, target_id=civil.pk, reply="x")
    with pytest.raises(InvalidTransition):  # the street cannot score before the reply
        services.target_score(actor=wworld.users["street_s1"], target_id=civil.pk, timeliness=5, attitude=5, result=5,
                              comment="好")
    with pytest.raises(Conflict):
        services.whistle_close(actor=wworld.users["street_s1"], whistle_id=whistle.pk)
    services.target_acknowledge(actor=dept, target_id=civil.pk)
    with pytest.raises(InvalidTransition):
        services.target_acknowledge(actor=dept, target_id=civil.pk)
    assert _snapshot()[2] == before[2] + 1


def test_bad_input_is_422_with_the_field_and_writes_nothing(wworld):
    from shequ.jurisdiction.models import Department

    before = _snapshot()
    cases = [
        (dict(departments=()), "departments"),
        (dict(title="  "), "title"),
        (dict(urgency="soon"), "urgency"),
        (dict(at="district"), "place"),
        (dict(report_due_at=THURSDAY_10 - dt.timedelta(minutes=1)), "report_due_at"),
        (dict(report_due_at=THURSDAY_10 + dt.timedelta(days=30)), "report_due_at"),
        (dict(lng=116.2), "lng"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as exc:
            blow(wworld, **kwargs)
        assert exc.value.extra["field"] == field, kwargs
    other_district = Department.objects.create(
        district=wworld.nodes["city"], kind="police", name="市公安局", code="D-SGA")  # not the street's district
    with pytest.raises(InvalidInput) as exc:
        services.whistle_create(actor=wworld.users["street_s1"], place=wworld.nodes["A"], title="x", description="y",
                                department_ids=[other_district.pk])
    assert exc.value.code == "whistle_foreign_department"
    assert _snapshot() == before


def test_who_may_blow_and_where(wworld):
    with pytest.raises(NotInScope):  # street S1 cannot whistle about S2's village
        blow(wworld, at="C")
    for user in ("worker_a", "dept", "leader", "grid_a"):
        with pytest.raises(NotAllowed):
            blow(wworld, actor=user)
    appeal_c = submit(at="C")
    with pytest.raises(NotInScope):  # an appeal of another street cannot be linked
        blow(wworld, appeal_ids=[appeal_c.pk])
    assert not Whistle.objects.exists()
    assert blow(wworld, actor="office", at="C").street_id == wworld.nodes["S2"].pk  # the office, for street S2


def test_departments_act_only_on_their_own_row(wworld):
    whistle = blow(wworld, departments=("housing",))
    housing = target_of(whistle, "housing", wworld)
    with pytest.raises(NotInScope):
        services.target_acknowledge(actor=wworld.users["dept"], target_id=housing.pk)  # civil affairs was not whistled
    for user in ("street_s1", "office", "leader", "worker_a"):
        with pytest.raises(NotAllowed):
            services.target_acknowledge(actor=wworld.users[user], target_id=housing.pk)
    housing.refresh_from_db()
    assert housing.status == T.WHISTLED


def test_on_site_time_may_be_earlier_but_not_before_acknowledging(wworld):
    whistle = blow(wworld, departments=("civil",))
    civil = target_of(whistle, "civil", wworld)
    dept = wworld.users["dept"]
    services.target_acknowledge(actor=dept, target_id=civil.pk, now=THURSDAY_10 + dt.timedelta(minutes=5))
    with pytest.raises(InvalidInput) as exc:
        services.target_report_on_site(actor=dept, target_id=civil.pk, arrived_at=THURSDAY_10,
                                       now=THURSDAY_10 + dt.timedelta(minutes=40))
    assert exc.value.extra["field"] == "arrived_at"
    services.target_report_on_site(actor=dept, target_id=civil.pk, arrived_at=THURSDAY_10 + dt.timedelta(minutes=25),
                                   now=THURSDAY_10 + dt.timedelta(minutes=40))
    civil.refresh_from_db()
    assert civil.on_site_at == THURSDAY_10 + dt.timedelta(minutes=25) and civil.status == T.ON_SITE


def test_score_rules(wworld):
    whistle = blow(wworld, departments=("civil",))
    civil = target_of(whistle, "civil", wworld)
    run_to_reply(wworld, civil)
    street, office = wworld.users["street_s1"], wworld.users["office"]
    for marks, field in (((0, 3, 3), "timeliness"), ((3, 6, 3), "attitude"), ((3, 3, True), "result")):
        with pytest.raises(InvalidInput) as exc:
            services.target_score(actor=street, target_id=civil.pk, timeliness=marks[0], attitude=marks[1],
                                  result=marks[2], comment="x")
        assert exc.value.extra["field"] == field
    with pytest.raises(InvalidInput):
        services.target_score(actor=street, target_id=civil.pk, timeliness=3, attitude=3, result=3, comment=" ")
    services.target_score(actor=street, target_id=civil.pk, timeliness=3, attitude=3, result=3, comment="一般")
    civil.refresh_from_db()
    assert civil.score == Decimal("60.00") and civil.scored_by == street
    with pytest.raises(InvalidInput) as exc:  # a change needs a reason
        services.target_score(actor=street, target_id=civil.pk, timeliness=4, attitude=3, result=3, comment="一般")
    assert exc.value.code == "whistle_reason_required"
    services.target_score(actor=street, target_id=civil.pk, timeliness=4, attitude=3, result=3, comment="一般",
                          reason="到场时间核实后更正")
    services.whistle_close(actor=street, whistle_id=whistle.pk)
    with pytest.raises(Conflict) as exc:  # closed: the street can no longer change it
        services.target_score(actor=street, target_id=civil.pk, timeliness=5, attitude=5, result=5, comment="好",
                              reason="再改")
    assert exc.value.code == "whistle_score_locked"
    with pytest.raises(InvalidInput):  # the office needs a reason too
        services.target_score(actor=office, target_id=civil.pk, timeliness=2, attitude=3, result=3, comment="复核")
    services.target_score(actor=office, target_id=civil.pk, timeliness=2, attitude=3, result=3, comment="复核",
                          reason="复核发现到场迟到")
    civil.refresh_from_db()
    assert civil.score == Decimal("53.33") and civil.scored_by == office
    whistle.refresh_from_db()
    assert whistle.status == S.CLOSED  # a revision does not reopen it
    revision = AuditLog.objects.filter(verb="whistle.rescored").order_by("-id").first()
    assert revision.actor_name == "office" and revision.extra["reason"] == "复核发现到场迟到"
    assert revision.extra["old"]["score_timeliness"] == 4 and revision.extra["old"]["score"] == "66.67"
    assert [e.verb for e in whistle.events.filter(target=civil).order_by("id")][-3:] == ["scored", "rescored", "rescored"]
    with pytest.raises(NotAllowed):
        services.target_score(actor=wworld.users["dept"], target_id=civil.pk, timeliness=5, attitude=5, result=5,
                              comment="自评", reason="x")
