"""The five steps, quarterly checks, objections and the cadre coefficient, through the services."""
import datetime as dt
from decimal import Decimal

import pytest

from shequ.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.stars import services
from shequ.stars.cadre import cadre_coefficient, cadre_coefficients
from shequ.stars.models import MassVote, Rating, StarChange, StarCycle
from shequ.stars.selectors import standing_of

from .factories import ALL, NOW, award, make_cycle, rating_of, scores, star, vote_all

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def test_a_new_cycle_has_the_ten_default_stars_and_a_rating_per_community(sworld, cycle):
    names = list(cycle.stars.values_list("name", flat=True))
    assert len(names) == 10
    assert {"民族团结星", "宗教和谐星", "精神文明星", "平安建设星"} <= set(names)
    assert all(sum(i.points for i in s.items.all()) == 100 for s in cycle.stars.all())
    assert set(Rating.objects.filter(cycle=cycle).values_list("organization__name", flat=True)) == {"甲社区", "乙社区", "丙村"}
    assert AuditLog.objects.filter(verb="stars.cycle_created").count() == 1


def test_a_later_cycle_copies_the_edited_stars(sworld, cycle):
    s = star(cycle, "civility")
    s.pass_score = 90
    s.save(update_fields=["pass_score"])
    later = make_cycle(sworld, year=2027)
    assert later.stars.get(code="civility").pass_score == 90
    assert later.stars.count() == 10


def test_cycle_rejects_a_duplicate_year_and_bad_thresholds(sworld, cycle):
    with pytest.raises(Conflict):
        make_cycle(sworld)
    with pytest.raises(InvalidInput) as exc:
        make_cycle(sworld, year=2030, good_min=7, fair_min=7)
    assert exc.value.extra["field"] == "good_min"
    assert not StarCycle.objects.filter(year=2030).exists()


def test_only_the_configuring_role_opens_a_cycle(sworld):
    with pytest.raises(NotAllowed):
        services.cycle_create(actor=sworld.users["street_s1"], year=2026,
                                                                 mass_start=dt.date(2026, 11, 1), mass_end=dt.date(2026, 11, 30))


# --- step 1 ---------------------------------------------------------------------------------------

def test_resident_rates_own_community_once(sworld, cycle):
    vote = vote_all(sworld, cycle)
    assert vote.rating.organization == sworld.nodes["A"]
    assert vote.household_id == sworld.residents["A101h"].household_id
    with pytest.raises(Conflict) as exc:
        vote_all(sworld, cycle, answer="basic")
    assert exc.value.code == "stars_already_rated"
    assert MassVote.objects.count() == 1


def test_mass_vote_needs_every_star_and_the_period(sworld, cycle):
    stars = list(cycle.stars.all())
    with pytest.raises(InvalidInput):
        services.mass_vote(actor=sworld.users["resident_a"], cycle_id=cycle.pk, answers={stars[0].pk: "satisfied"}, now=NOW)
    with pytest.raises(Conflict):
        vote_all(sworld, cycle, now=dt.datetime(2026, 12, 1, 9, tzinfo=NOW.tzinfo))
    with pytest.raises(NotAllowed):
        vote_all(sworld, cycle, user="worker_a")
    assert MassVote.objects.count() == 0


def test_township_assessment_closes_the_mass_assessment(sworld, cycle):
    vote_all(sworld, cycle)
    rating = rating_of(sworld, cycle)
    services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=scores(cycle), now=NOW)
    with pytest.raises(Conflict):
        vote_all(sworld, cycle, user="resident_a2")
    rating.refresh_from_db()
    assert (rating.status, rating.mass_votes, rating.mass_households) == ("assessed", 1, 2)


# --- step 2 ---------------------------------------------------------------------------------------

def test_assessment_proposes_stars_reaching_the_pass_score(sworld, cycle):
    rating = rating_of(sworld, cycle)
    given = scores(cycle, passing=ALL[:7])
    civility = star(cycle, "civility")
    given[civility.pk] = {i.pk: i.points * Decimal("0.8") for i in civility.items.all()}  # exactly 80: passes
    safety = star(cycle, "safety")
    items = list(safety.items.all())
    given[safety.pk] = {i.pk: i.points * Decimal("0.8") for i in items}
    given[safety.pk][items[0].pk] -= Decimal("0.5")  # 79.5: does not
    services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=given, now=NOW)
    rows = {r.star.code: r for r in rating.rows.select_related("star")}
    assert rows["civility"].score == Decimal("80.00") and rows["civility"].proposed is True
    assert rows["safety"].score == Decimal("79.50") and rows["safety"].proposed is False
    assert rows["religious_harmony"].proposed is False and rows["religious_harmony"].score == Decimal("50.00")
    assert AuditLog.objects.filter(verb="stars.assessed", target_id=str(rating.pk)).exists()


def test_a_low_mass_satisfaction_blocks_a_star(sworld, cycle):
    cycle.mass_min_votes = 2
    cycle.save(update_fields=["mass_min_votes"])
    vote_all(sworld, cycle, answer="unsatisfied")
    vote_all(sworld, cycle, user="resident_a2", answer="basic")  # 50% < 60%
    rating = rating_of(sworld, cycle)
    services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=scores(cycle), now=NOW)
    row = rating.rows.get(star__code="safety")
    assert (row.mass_basic, row.mass_unsatisfied, row.mass_rate, row.proposed) == (1, 1, Decimal("0.5000"), False)


def test_assessment_validates_scores_and_writes_nothing_on_error(sworld, cycle):
    rating = rating_of(sworld, cycle)
    given = scores(cycle)
    first = star(cycle, "organization")
    item = first.items.first()
    given[first.pk][item.pk] = item.points + 1
    with pytest.raises(InvalidInput) as exc:
        services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=given, now=NOW)
    assert exc.value.extra["field"] == f"item_{item.pk}"
    rating.refresh_from_db()
    assert rating.status == "mass" and not rating.rows.exists()


def test_township_acts_only_on_its_own_communities(sworld, cycle):
    rating_c = rating_of(sworld, cycle, "C")
    with pytest.raises(NotInScope):
        services.township_assess(actor=sworld.users["street_s1"], rating_id=rating_c.pk, scores=scores(cycle), now=NOW)
    with pytest.raises(NotAllowed):
        services.township_assess(actor=sworld.users["worker_a"], rating_id=rating_of(sworld, cycle).pk,
                                 scores=scores(cycle), now=NOW)


# --- steps 3 and 4 ------------------------------------------------------------------------------------

def test_review_and_approval_need_each_own_permission(sworld, cycle):
    rating = rating_of(sworld, cycle)
    services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=scores(cycle), now=NOW)
    for user in ("org_approve", "org_plain", "street_s1"):
        with pytest.raises(NotAllowed):
            services.rating_review(actor=sworld.users[user], rating_id=rating.pk, now=NOW)
    services.rating_review(actor=sworld.users["org_review"], rating_id=rating.pk, now=NOW)
    for user in ("org_review", "org_plain"):
        with pytest.raises(NotAllowed):
            services.rating_approve(actor=sworld.users[user], rating_id=rating.pk, now=NOW)
    rating = services.rating_approve(actor=sworld.users["org_approve"], rating_id=rating.pk, now=NOW)
    assert rating.status == "publicity" and rating.stars_held == 10


def test_review_rejects_and_committee_strikes_with_reasons(sworld, cycle):
    rating = rating_of(sworld, cycle)
    services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=scores(cycle), now=NOW)
    civility, safety = star(cycle, "civility"), star(cycle, "safety")
    with pytest.raises(InvalidInput):
        services.rating_review(actor=sworld.users["org_review"], rating_id=rating.pk, rejected={civility.pk: ""}, now=NOW)
    services.rating_review(actor=sworld.users["org_review"], rating_id=rating.pk,
                           rejected={civility.pk: "文明实践站台账不全"}, now=NOW)
    with pytest.raises(InvalidInput):  # not passed by review: nothing for the committee to strike
        services.rating_approve(actor=sworld.users["org_approve"], rating_id=rating.pk, struck={civility.pk: "x"}, now=NOW)
    rating = services.rating_approve(actor=sworld.users["org_approve"], rating_id=rating.pk,
                                     struck={safety.pk: "发生安全生产事故"}, now=NOW)
    assert rating.stars_held == 8
    assert rating.publicity_start == NOW.date() and rating.publicity_end == NOW.date() + 6 * DAY
    assert set(StarChange.objects.filter(rating=rating).values_list("kind", flat=True)) == {"award"}


def test_returns_go_back_one_step(sworld, cycle):
    rating = rating_of(sworld, cycle)
    street, reviewer, committee = sworld.users["street_s1"], sworld.users["org_review"], sworld.users["org_approve"]
    services.township_assess(actor=street, rating_id=rating.pk, scores=scores(cycle), now=NOW)
    with pytest.raises(InvalidInput):
        services.rating_return(actor=reviewer, rating_id=rating.pk, note=" ", now=NOW)
    assert services.rating_return(actor=reviewer, rating_id=rating.pk, note="细则得分无佐证", now=NOW).status == "returned"
    with pytest.raises(InvalidTransition):
        services.rating_review(actor=reviewer, rating_id=rating.pk, now=NOW)
    services.township_assess(actor=street, rating_id=rating.pk, scores=scores(cycle), now=NOW)
    services.rating_review(actor=reviewer, rating_id=rating.pk, now=NOW)
    assert services.rating_return(actor=committee, rating_id=rating.pk, note="请补充复核意见", now=NOW).status == "assessed"
    with pytest.raises(InvalidTransition):
        services.rating_approve(actor=committee, rating_id=rating.pk, now=NOW)


# --- step 5 -------------------------------------------------------------------------------------------

def test_objections_during_publicity_must_be_answered_before_publishing(sworld, cycle):
    rating = award(sworld, cycle)
    safety = star(cycle, "safety")
    objection = services.objection_file(actor=sworld.users["resident_a"], rating_id=rating.pk, star_id=safety.pk,
                                        text="本月小区发生两起盗窃案", now=NOW + DAY)
    with pytest.raises(NotInScope):  # a resident of another community
        services.objection_file(actor=sworld.users["resident_b"], rating_id=rating.pk, text="x", now=NOW + DAY)
    end = dt.datetime.combine(rating.publicity_end + DAY, dt.time(9), tzinfo=NOW.tzinfo)
    with pytest.raises(Conflict) as exc:
        services.rating_publish(actor=sworld.users["org_approve"], rating_id=rating.pk, now=NOW + DAY)
    assert exc.value.code == "stars_publicity_running"
    with pytest.raises(Conflict) as exc:
        services.rating_publish(actor=sworld.users["org_approve"], rating_id=rating.pk, now=end)
    assert exc.value.code == "stars_open_objections"
    with pytest.raises(Conflict):
        services.objection_file(actor=sworld.users["resident_a2"], rating_id=rating.pk, text="太晚了", now=end)
    services.objection_answer(actor=sworld.users["street_s1"], objection_id=objection.pk, outcome="upheld",
                              answer="经核实属实,撤销平安建设星", remove_star=True, now=NOW + 2 * DAY)
    rating.refresh_from_db()
    assert rating.stars_held == 9
    assert StarChange.objects.get(rating=rating, kind="remove").objection_id == objection.pk
    with pytest.raises(Conflict):
        services.objection_answer(actor=sworld.users["street_s1"], objection_id=objection.pk, outcome="dismissed",
                                  answer="再答", now=NOW + 2 * DAY)
    assert services.rating_publish(actor=sworld.users["org_approve"], rating_id=rating.pk, now=end).status == "published"


def test_objection_answer_is_scoped(sworld, cycle):
    rating = award(sworld, cycle)
    objection = services.objection_file(actor=sworld.users["resident_a"], rating_id=rating.pk, text="有异议", now=NOW + DAY)
    with pytest.raises(NotInScope):
        services.objection_answer(actor=sworld.users["street_s2"], objection_id=objection.pk, outcome="dismissed",
                                  answer="不成立", now=NOW + DAY)


# --- quarterly checks and history ------------------------------------------------------------------------

def test_quarterly_removal_and_addition_keep_history_and_dates(sworld, cycle):
    rating = award(sworld, cycle, passing=ALL[:8])  # 8 stars: 好
    street, committee = sworld.users["street_s1"], sworld.users["org_approve"]
    civility, organization = star(cycle, "civility"), star(cycle, "organization")
    q1 = dt.datetime(2027, 2, 10, 9, tzinfo=NOW.tzinfo)
    with pytest.raises(InvalidInput):
        services.star_remove(actor=street, rating_id=rating.pk, star_id=organization.pk, reason="未按期换届", evidence="",
                             now=q1)
    with pytest.raises(Conflict):  # not held
        services.star_remove(actor=street, rating_id=rating.pk, star_id=civility.pk, reason="r", evidence="e", now=q1)
    removal = services.star_remove(actor=street, rating_id=rating.pk, star_id=organization.pk, reason="未按期换届",
                                   evidence="街道党工委2027年1月核查记录", now=q1)
    assert removal.quarter == "2027Q1"
    q3 = dt.datetime(2027, 8, 5, 9, tzinfo=NOW.tzinfo)
    proposal = services.star_add_propose(actor=street, rating_id=rating.pk, star_id=civility.pk, reason="文明实践站建成",
                                         evidence="验收报告", now=q3)
    assert proposal.status == "pending"
    rating.refresh_from_db()
    assert rating.stars_held == 7  # the addition waits for the committee
    with pytest.raises(NotAllowed):
        services.star_change_decide(actor=street, change_id=proposal.pk, approve=True, now=q3)
    services.star_change_decide(actor=committee, change_id=proposal.pk, approve=True, now=q3 + DAY)
    rating.refresh_from_db()
    assert rating.stars_held == 8
    on = {d: standing_of(rating=rating, on=d) for d in (dt.date(2026, 11, 25), dt.date(2026, 12, 1),
                                                        dt.date(2027, 2, 10), dt.date(2027, 8, 6))}
    assert [(s.count, s.grade_label) for s in on.values()] == [(0, "差"), (8, "好"), (7, "较好"), (8, "好")]
    assert StarChange.objects.filter(rating=rating).count() == 10


def test_refused_addition_needs_a_reason(sworld, cycle):
    rating = award(sworld, cycle, passing=ALL[:5])
    proposal = services.star_add_propose(actor=sworld.users["street_s1"], rating_id=rating.pk,
                                         star_id=star(cycle, "safety").pk, reason="r", evidence="e", now=NOW + DAY)
    with pytest.raises(InvalidInput):
        services.star_change_decide(actor=sworld.users["org_approve"], change_id=proposal.pk, approve=False, now=NOW + DAY)
    services.star_change_decide(actor=sworld.users["org_approve"], change_id=proposal.pk, approve=False,
                                note="验收未达标", now=NOW + DAY)
    rating.refresh_from_db()
    assert rating.stars_held == 5


def test_no_quarterly_change_before_the_award(sworld, cycle):
    rating = rating_of(sworld, cycle)
    with pytest.raises(Conflict):
        services.star_add_propose(actor=sworld.users["street_s1"], rating_id=rating.pk, star_id=star(cycle, "safety").pk,
                                  reason="r", evidence="e", now=NOW)


# --- the cadres' coefficient ----------------------------------------------------------------------------

@pytest.mark.parametrize("n, grade, coefficient", [
    (10, "good", Decimal("1.20")), (8, "good", Decimal("1.20")), (7, "fair", Decimal("1.10")),
    (6, "average", Decimal("1.00")), (5, "average", Decimal("1.00")), (4, "poor", Decimal("0.80")), (0, "poor", Decimal("0.80")),
])
def test_cadre_coefficient_per_grade(sworld, cycle, n, grade, coefficient):
    award(sworld, cycle, passing=ALL[:n])
    assert cadre_coefficient(sworld.nodes["A"].pk, 2026) == {
        "grade": grade, "grade_label": {"good": "好", "fair": "较好", "average": "一般", "poor": "差"}[grade],
        "stars": n, "coefficient": coefficient}


def test_cadre_coefficient_none_before_award_and_configurable(sworld, cycle):
    assert cadre_coefficient(sworld.nodes["A"].pk, 2026) is None
    assert cadre_coefficient(sworld.nodes["A"].pk, 2025) is None
    cycle.coef_fair = Decimal("1.05")
    cycle.save(update_fields=["coef_fair"])
    award(sworld, cycle, passing=ALL[:7])
    assert cadre_coefficient(sworld.nodes["A"].pk, 2026)["coefficient"] == Decimal("1.05")


def test_cadre_coefficient_counts_removals_up_to_year_end(sworld, cycle):
    rating = award(sworld, cycle, passing=ALL[:8])
    services.star_remove(actor=sworld.users["street_s1"], rating_id=rating.pk, star_id=star(cycle, "organization").pk,
                         reason="r", evidence="e", now=dt.datetime(2026, 12, 20, 9, tzinfo=NOW.tzinfo))
    services.star_remove(actor=sworld.users["street_s1"], rating_id=rating.pk, star_id=star(cycle, "team").pk,
                         reason="r", evidence="e", now=dt.datetime(2027, 1, 20, 9, tzinfo=NOW.tzinfo))
    assert cadre_coefficient(sworld.nodes["A"].pk, 2026)["stars"] == 7


def test_cadre_coefficients_of_many_communities_at_once(sworld, cycle, django_assert_max_num_queries):
    award(sworld, cycle, "A", passing=ALL[:8])
    late = award(sworld, cycle, "C", passing=ALL[:5], now=dt.datetime(2027, 1, 5, 9, tzinfo=NOW.tzinfo))  # approved in January
    services.star_remove(actor=sworld.users["street_s2"], rating_id=late.pk, star_id=star(cycle, "team").pk,
                         reason="r", evidence="e", now=dt.datetime(2027, 1, 5, 15, tzinfo=NOW.tzinfo))
    ids = [sworld.nodes[key].pk for key in ("A", "B", "C")]
    with django_assert_max_num_queries(12):
        batch = cadre_coefficients(ids, 2026)
    assert batch == {pk: cadre_coefficient(pk, 2026) for pk in ids}
    assert batch[ids[0]]["stars"] == 8 and batch[ids[1]] is None and batch[ids[2]]["stars"] == 4
    assert cadre_coefficients(ids, 2025) == dict.fromkeys(ids)


def test_every_step_leaves_an_audit_row_and_a_timeline_line(sworld, cycle):
    rating = award(sworld, cycle, passing=ALL[:8])
    services.star_remove(actor=sworld.users["street_s1"], rating_id=rating.pk, star_id=star(cycle, "team").pk,
                         reason="r", evidence="e", now=NOW + DAY)
    verbs = list(AuditLog.objects.filter(target_type="stars.rating", target_id=str(rating.pk))
                 .order_by("id").values_list("verb", "actor_name"))
    assert verbs == [("stars.assessed", "street_s1"), ("stars.reviewed", "org_review"), ("stars.approved", "org_approve"),
                     ("stars.star_removed", "street_s1")]
    assert list(rating.events.order_by("id").values_list("verb", flat=True)) == ["assessed", "reviewed", "approved",
                                                                                 "star_removed"]
    removed = AuditLog.objects.get(verb="stars.star_removed")
    assert removed.extra["quarter"] == "2026Q4" and removed.node_id == sworld.nodes["A"].pk
