"""Records of the access walk (test_access_walk.py) beyond the world's registry and the walk's own
appeals, whistles, agency cases and privacy requests: one or two of each located model, in community
A or its grid (a department's work task sits in its district), and of each model reached through a
located parent (an appeal's time request, a rating's star change, a topic's action...), made through
each module's services or test factories, so every route that takes an id is called with ids that exist.

Each table stays small (the walk calls every route with every id up to the largest): the world's
users make the records and no user is added (each would add a binding). A route with a parent's and
a child's id is called with the same id in both: each child is made on its parent with the lowest id
(the walk's first appeal, A's rating), so that its first id is its parent's too.
"""
from __future__ import annotations

import datetime as dt

#: The factories' clock day (Thursday 2026-11-26).
TODAY = dt.date(2026, 11, 26)


def populate(world) -> None:
    _registry(world)
    _admission(world)
    _agency(world)
    _appeals(world)
    _consultation(world)
    _indicators(world)
    _notify(world)
    _open311(world)
    _party(world)
    _proactive(world)
    _socialorgs(world)
    _stars(world)
    _surveys(world)
    _transfer(world)
    _volunteers(world)
    _workforce(world)


def _registry(world) -> None:
    """A tenancy of A's rented house (the world has houses, households and residents already), and a
    residents' group of A (made as the admin makes it: the admin is its only writer)."""
    from shequ.jurisdiction.models import ResidentGroup
    from shequ.registry import services

    services.tenancy_start(actor=world.users["worker_a"], house=world.houses["A102"], tenant=world.residents["A102h"],
                           start_on=dt.date(2026, 1, 1), landlord_name="王房东")
    ResidentGroup.objects.create(community=world.nodes["A"], kind="resident", name="第一居民小组",
                                 code=f"{world.nodes['A'].code}G1")


def _admission(world) -> None:
    """An on-list task sent to A (its assignment, reported done with a result file), an off-list one
    waiting for the office, a collection partly spared by the registry's data (its avoided
    collection), and an unadmitted report, a seal use and a plaque of A against civil affairs."""
    from shequ.admission import services
    from shequ.admission.models import Assignment
    from shequ.admission.tests.factories import NOW, off_list, submit
    from shequ.selfservice.tests.helpers import pdf

    world.lists = services.list_install_defaults(actor=world.users["office"], district_id=world.nodes["district"].pk,
                                                 effective_from=dt.date(2026, 1, 1), now=NOW)
    sent = submit(world)
    off_list(world)
    # partly held by the registry: approved, sent out for the rest, each community's sparing recorded
    reuse = submit(world, title="独居老人信息统计", data_fields=["name"], other_data_fields="疫苗接种情况",
                   collection_only=True)
    services.task_approve(actor=world.users["office"], task_id=reuse.pk, now=NOW)
    worker, a, civil = world.users["worker_a"], world.nodes["A"].pk, world.departments["civil"].pk
    services.unadmitted_flag(actor=worker, community_id=a, title="报送创卫材料", received_on=dt.date(2026, 11, 2),
                             department_id=civil, forms_demanded=2, now=NOW)
    services.stamp_record(actor=worker, community_id=a, kind="certificate", matter="无犯罪记录证明",
                          requester="居民王某", department_id=civil, now=NOW)
    services.plaque_record(actor=worker, community_id=a, name="禁毒工作站", put_up_on=dt.date(2023, 1, 1),
                           department_id=civil, now=NOW)
    # the on-list task reported done by A, with its result file
    assignment = Assignment.objects.get(task=sent, node=world.nodes["A"])
    services.assignment_complete(actor=worker, assignment_id=assignment.pk, result="已开展宣传并报送照片",
                                 files=[pdf("宣传活动记录.pdf")], now=NOW)


def _agency(world) -> None:
    """A home visit in A, and a trip of the walk's agency case."""
    from shequ.agency import services
    from shequ.agency.models import AgencyCase
    from shequ.agency.tests.factories import THURSDAY_10

    worker = world.users["worker_a"]
    services.visit_request(actor=worker, resident_id=world.residents["A101h"].pk,
                           kind="elderly_alone", purpose="独居老人探访", now=THURSDAY_10)
    case = AgencyCase.objects.get(community=world.nodes["A"])
    services.case_trip_add(actor=worker, case_id=case.pk, reason="补交户口簿复印件", now=THURSDAY_10)


def _appeals(world) -> None:
    """The walk's first appeal (taken in with a photo) in progress with a pause asked for and the
    civil affairs department as co-handler."""
    from shequ.appeals import cohandling, services, timing
    from shequ.appeals.models import Appeal
    from shequ.appeals.tests.factories import THURSDAY_10

    worker = world.users["worker_a"]
    appeal = Appeal.objects.filter(community=world.nodes["A"]).order_by("pk").first()
    services.appeal_accept(actor=worker, appeal_id=appeal.pk, now=THURSDAY_10)
    services.appeal_start(actor=worker, appeal_id=appeal.pk, now=THURSDAY_10)
    timing.time_request_create(actor=worker, appeal_id=appeal.pk, kind="pause", reason="诉求人外出,约定返回后上门核实",
                               now=THURSDAY_10)
    cohandling.cohandler_add(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"],
                             task="核实困难情况", now=THURSDAY_10)


def _consultation(world) -> None:
    """A topic of A with its options and meeting, its vote open; and a covenant of A voted by both of
    its households (online and on paper), decided (a covenant is not published until filed) with an
    action to carry out."""
    from shequ.consultation import services
    from shequ.consultation.tests.factories import options_of, voting_topic

    worker = world.users["worker_a"]
    voting_topic(world)
    covenant = voting_topic(world, kind="covenant", title="修订居民公约", options=("同意修订", "不同意修订"))
    chosen = options_of(covenant)[0]
    services.vote_cast(actor=world.users["resident_a"], topic_id=covenant.pk, option_id=chosen.pk)
    services.vote_cast(actor=worker, topic_id=covenant.pk, option_id=chosen.pk, resident_id=world.residents["A102h"].pk)
    services.topic_decide(actor=worker, topic_id=covenant.pk, decision="同意修订居民公约")
    services.action_add(actor=worker, topic_id=covenant.pk, text="印发修订后的居民公约", owner="社区居委会",
                        deadline=dt.date(2026, 12, 31))


def _indicators(world) -> None:
    """A governance report of A, requested (its generation waits for a commit the test never makes)."""
    from shequ.indicators import services

    services.report_request(actor=world.users["street_s1"], node=world.nodes["A"], start=dt.date(2026, 11, 1),
                            end=dt.date(2026, 11, 30))


def _notify(world) -> None:
    """An appeal of A by resident_a signed in, told of its intake by log and in-app (two deliveries,
    one in-app message)."""
    from django.test import override_settings

    from shequ.appeals.models import AppealEvent
    from shequ.appeals.tests.factories import submit
    from shequ.notify import services

    appeal = submit(at="A", channel="web", requester_user=world.users["resident_a"], requester_phone="13912345678")
    event = AppealEvent.objects.get(appeal=appeal, verb="submitted")
    with override_settings(SHEQU_NOTIFY_CHANNELS=["logging", "inapp"]):
        services.event_send(event_id=event.pk)


def _open311(world) -> None:
    """A client key of the test district and its request in A (an appeal with its submission)."""
    from shequ.appeals.tests.factories import POINT_IN, category
    from shequ.open311 import services

    key, _secret = services.api_key_create(actor=world.users["admin"], name="测试区随手拍", district=world.nodes["district"])
    lng, lat = POINT_IN["A"]
    services.request_submit(api_key=key, district=None, category=category("street_light"), lat=str(lat), long=str(lng),
                            description="小区门口路灯不亮", phone="13912345678")


def _party(world) -> None:
    """An actual unit of A with its party branch, a joint meeting, a party member's dual registration
    (with a service) and central household, and an organization expected to register."""
    from shequ.party import services
    from shequ.party.tests.factories import party_member, unit

    worker, a = world.users["worker_a"], world.nodes["A"]
    firm = unit(world, "A", "甲科技公司")
    services.organization_create(actor=worker, name="甲科技公司党支部", kind="branch", node=a, unit_ids=[firm.pk])
    meeting = services.meeting_schedule(actor=worker, community=a, title="第四季度党建联席会议",
                                        scheduled_on=dt.date(2026, 11, 20), unit_ids=[firm.pk], topics=["小区停车难"])
    services.meeting_hold(actor=worker, meeting_id=meeting.pk, held_on=dt.date(2026, 11, 20), minutes="议定增设停车位",
                          present_unit_ids=[firm.pk], today=TODAY)
    services.resolution_add(actor=worker, meeting_id=meeting.pk, text="增设夜间停车位", owner_name="甲科技公司")
    member = party_member(world, "A101h")
    registration = services.registration_create(actor=worker, kind="member", community=a, registered_on=dt.date(2026, 3, 1),
                                                resident=member, workplace="区财政局", today=TODAY)
    services.service_log(actor=worker, registration_id=registration.pk, title="楼道清理", served_on=dt.date(2026, 4, 1),
                         hours=2, today=TODAY)
    services.central_household_create(actor=worker, member=member, served_ids=[world.households["A102"].pk],
                                      designated_on=dt.date(2026, 5, 1))
    services.roster_import(actor=worker, rows=[{"kind": "党组织", "community_code": a.code, "name": "区财政局机关党支部",
                                                "workplace": "区财政局"}])


def _proactive(world) -> None:
    """November's noise topic of A (the walk's appeals are November noise appeals of A)."""
    from shequ.appeals.tests.factories import THURSDAY_10, category
    from shequ.proactive import services

    services.topic_create(actor=world.users["street_s1"], month=dt.date(2026, 11, 1), place=world.nodes["A"],
                          category=category("noise_neighbor"), title="甲社区噪声治理", plan="夜间巡查;张贴公约",
                          owner_person="张主任", owner_node=world.nodes["A"],
                          milestones=[(dt.date(2026, 12, 10), "走访")], now=THURSDAY_10)


def _socialorgs(world) -> None:
    from shequ.socialorgs import services

    worker, a = world.users["worker_a"], world.nodes["A"]
    org = services.organization_create(actor=worker, community=a, name="甲社区老年协会", type="specific_group",
                                       served_group="elderly", filing="filed", filed_on=dt.date(2025, 3, 1))
    services.project_create(actor=worker, organization_id=org.pk, title="居家养老助餐", place=a, purchaser="区民政局",
                            budget="50000", start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 12, 31))


def _stars(world) -> None:
    """The 2026 cycle: a rating for each of A, B and C, and a mass vote in A. A's rating is assessed
    (one star proposed), reviewed and approved by the admin (its award a star change), then in its
    publicity an objection by resident_a and the street's proposal of one more star."""
    from shequ.stars import services
    from shequ.stars.tests.factories import NOW, make_cycle, rating_of, scores, star, vote_all

    cycle = make_cycle(world)
    vote_all(world, cycle)
    rating, admin, street = rating_of(world, cycle, "A"), world.users["admin"], world.users["street_s1"]
    hour = dt.timedelta(hours=1)
    services.township_assess(actor=street, rating_id=rating.pk, scores=scores(cycle, passing=("organization",)), now=NOW)
    services.rating_review(actor=admin, rating_id=rating.pk, now=NOW + hour)
    services.rating_approve(actor=admin, rating_id=rating.pk, now=NOW + 2 * hour)
    services.objection_file(actor=world.users["resident_a"], rating_id=rating.pk, text="党建活动照片与实际不符",
                            now=NOW + 3 * hour)
    services.star_add_propose(actor=street, rating_id=rating.pk, star_id=star(cycle, "team").pk, reason="队伍建设达标",
                              evidence="培训记录", now=NOW + 3 * hour)


def _surveys(world) -> None:
    """A resident survey of A, answered by resident_a."""
    from shequ.surveys import services
    from shequ.surveys.tests.factories import opt, resident_survey

    survey, q = resident_survey(world, scope="A")
    services.response_submit(actor=world.users["resident_a"], survey_id=survey.pk, answers={
        q["single"].pk: opt(q["single"], "满意"), q["multiple"].pk: [opt(q["multiple"], "环境")], q["scale"].pk: 4,
        q["text"].pk: ""})


def _transfer(world) -> None:
    """An import of residents by worker_a, refused for its one bad row (nothing written but the job
    and its error)."""
    from shequ.transfer.tests.helpers import RESIDENT_HEADERS, csv_bytes, resident_row, run_import

    row = resident_row(1)
    row[0] = row[0][:-1] + ("0" if row[0][-1] != "0" else "1")  # a wrong check digit
    run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, [row]))


def _volunteers(world) -> None:
    """A101h as a volunteer (in A's grid) signed up for an activity of A, and a call-out of the grid."""
    from shequ.volunteers import services
    from shequ.volunteers.tests.factories import activity, register

    worker = world.users["worker_a"]
    volunteer = register(world)
    event = activity(world)
    services.signup_create(actor=worker, activity_id=event.pk, volunteer_id=volunteer.pk)
    services.callout_create(actor=worker, grid_id=world.nodes["A_grid"].pk, kind="door_to_door", message="入户排查燃气安全")


def _workforce(world) -> None:
    """A worker of A with a training and last year's assessment, a candidate of A with a
    department's finding, its base funding with a spending, and its service centre."""
    from shequ.workforce import services
    from shequ.workforce.tests.factories import worker

    office, a = world.users["office"], world.nodes["A"]
    staff = worker(world, "A", "王一", pay=6200, birth=dt.date(1990, 5, 1), seq=1, certificate="assistant",
                   education="bachelor", position="secretary")
    services.training_add(actor=office, worker_id=staff.pk, title="社区工作者岗位培训", start_on=dt.date(2026, 6, 1),
                          hours=16, organizer="区民政局")
    services.assessment_record(actor=office, worker_id=staff.pk, year=2025, grade="competent", today=TODAY)
    candidate = services.candidate_create(actor=office, community=a, name="候选人", position="director", year=2026)
    services.finding_record(actor=office, candidate_id=candidate.pk, department_kind="civil_affairs", passed=True)
    funding = services.funding_create(actor=office, community=a, kind="base", year=2026, amount=50000,
                                      allocated_on=dt.date(2026, 1, 10))
    services.spending_add(actor=world.users["worker_a"], funding_id=funding.pk, amount=3000,
                          spent_on=dt.date(2026, 2, 1), purpose="办公用品")
    services.facility_set(actor=office, community=a, area=1200)
