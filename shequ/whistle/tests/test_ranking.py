"""The department ranking against hand counts, its periods, and who may read it."""
import datetime as dt

import pytest

from shequ.appeals.deadlines import SHANGHAI
from shequ.core.errors import InvalidInput, NotAllowed, NotInScope
from shequ.whistle import ranking, services

from .factories import blow, target_of

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)


def t(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _steps(world, target, user, *, ack=None, on_site=None, reply=None, marks=None, scorer="street_s1"):
    actor = world.users[user]
    if ack:
        services.target_acknowledge(actor=actor, target_id=target.pk, now=ack)
    if on_site:
        services.target_report_on_site(actor=actor, target_id=target.pk, now=on_site)
    if reply:
        services.target_act(actor=actor, target_id=target.pk, notes="处置", now=reply)
        services.target_reply(actor=actor, target_id=target.pk, reply="结果", now=reply)
    if marks:
        services.target_score(actor=world.users[scorer], target_id=target.pk, timeliness=marks[0], attitude=marks[1],
                              result=marks[2], comment="评价", now=reply)


@pytest.fixture
def history(wworld):
    """Four whistles; the hand counts are in the tests below."""
    w = wworld
    # W1 Mon 11-02 10:00 urgent (on site by 10:30, reply by 11-03 10:00): civil on time twice, 100;
    # housing late twice, 60.
    w1 = blow(w, urgency="urgent", now=t(11, 2, 10))
    _steps(w, target_of(w1, "civil", w), "dept", ack=t(11, 2, 10, 5), on_site=t(11, 2, 10, 20), reply=t(11, 2, 15),
           marks=(5, 5, 5))
    _steps(w, target_of(w1, "housing", w), "dept_housing", ack=t(11, 2, 10, 10), on_site=t(11, 2, 11),
           reply=t(11, 4, 9), marks=(3, 3, 3))
    # W2 Tue 11-10 09:00 normal in street S2, by the office (on site by 11-11 09:00, reply by 11-17 09:00):
    # civil on site late, reply on time, 80; urban never came (both known and missed), not scored.
    w2 = blow(w, actor="office", at="C", departments=("civil", "urban"), now=t(11, 10, 9))
    _steps(w, target_of(w2, "civil", w), "dept", ack=t(11, 10, 9, 30), on_site=t(11, 11, 10), reply=t(11, 16, 9),
           marks=(4, 4, 4), scorer="office")
    # W3 Wed 11-25 09:00 normal (on site by 11-26 09:00, reply by 12-02 09:00): housing on site on time, reply not due.
    w3 = blow(w, departments=("housing",), now=t(11, 25, 9))
    _steps(w, target_of(w3, "housing", w), "dept_housing", ack=t(11, 25, 10), on_site=t(11, 25, 12))
    # W4 Fri 10-30 10:00 urgent, October: civil 20, housing 100.
    w4 = blow(w, urgency="urgent", now=t(10, 30, 10))
    _steps(w, target_of(w4, "civil", w), "dept", ack=t(10, 30, 10, 1), on_site=t(10, 30, 10, 10), reply=t(10, 30, 11),
           marks=(1, 1, 1))
    _steps(w, target_of(w4, "housing", w), "dept_housing", ack=t(10, 30, 10, 1), on_site=t(10, 30, 10, 20),
           reply=t(10, 30, 12), marks=(5, 5, 5))
    return w


def _rows(result):
    return {r.name: (r.rank, r.whistles, r.report_on_time, r.report_known, r.reply_on_time, r.reply_known, r.scored,
                     r.average_score) for r in result.rows}


def test_month_against_hand_counts(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        result = ranking.department_ranking(user=history.users["street_s1"], period="month", year=2026, month=11, now=NOW)
    assert _rows(result) == {
        #          rank whistles report ok/known reply ok/known scored average
        "民政局": (1, 2, 1, 2, 2, 2, 2, 90.0),
        "住建委": (2, 2, 1, 2, 0, 1, 1, 60.0),
        "城管委": (None, 1, 0, 1, 0, 1, 0, None),
    }
    assert [r.name for r in result.rows] == ["民政局", "住建委", "城管委"]
    civil = result.rows[0]
    assert (civil.report_rate, civil.reply_rate) == (0.5, 1.0)
    assert (result.start, result.end, result.label) == (dt.date(2026, 11, 1), dt.date(2026, 12, 1), "2026-11")


def test_year_and_other_month(history):
    year = ranking.department_ranking(user=history.users["office"], period="year", year=2026, now=NOW)
    assert _rows(year)["住建委"][0] == 1 and _rows(year)["住建委"][7] == 80.0  # (60 + 100) / 2
    assert _rows(year)["民政局"][:2] == (2, 3) and _rows(year)["民政局"][7] == 66.67  # (100 + 80 + 20) / 3
    october = ranking.department_ranking(user=history.users["leader"], period="month", year=2026, month=10, now=NOW)
    assert _rows(october)["城管委"] == (None, 0, 0, 0, 0, 0, 0, None)
    assert _rows(october)["住建委"][0] == 1


def test_ties_share_a_rank(wworld):
    w = blow(wworld, urgency="urgent", now=t(11, 2, 10))
    for key, user in (("civil", "dept"), ("housing", "dept_housing")):
        _steps(wworld, target_of(w, key, wworld), user, ack=t(11, 2, 10, 1), on_site=t(11, 2, 10, 5),
               reply=t(11, 2, 11), marks=(4, 4, 4))
    result = ranking.department_ranking(user=wworld.users["office"], period="month", year=2026, month=11, now=NOW)
    assert [(r.name, r.rank) for r in result.rows] == [("住建委", 1), ("民政局", 1), ("城管委", None)]


def test_who_may_read_the_ranking(history):
    for user in ("street_s1", "office", "leader", "dept", "dept_housing", "admin"):
        result = ranking.department_ranking(user=history.users[user], period="month", year=2026, month=11, now=NOW)
        assert result.rows[0].name == "民政局", user  # a street and a department see the whole district
    for user in ("worker_a", "grid_a", "resident_a"):
        with pytest.raises(NotAllowed):
            ranking.department_ranking(user=history.users[user], period="month", year=2026, month=11)
    with pytest.raises(NotInScope):
        ranking.department_ranking(user=history.users["street_s1"], period="month", year=2026, month=11,
                                   district_id=history.nodes["city"].pk)
    with pytest.raises(InvalidInput):
        ranking.department_ranking(user=history.users["office"], period="week", year=2026, month=11)
    with pytest.raises(InvalidInput):
        ranking.department_ranking(user=history.users["office"], period="month", year=2026, month=13)


def test_bar_chart_scales_to_the_average(history):
    result = ranking.department_ranking(user=history.users["office"], period="month", year=2026, month=11, now=NOW)
    chart = ranking.bar_chart(result.rows)
    assert [b["name"] for b in chart["bars"]] == ["民政局", "住建委"]  # unscored departments have no bar
    assert chart["bars"][0]["width"] == round(chart["span"] * 0.9, 1) and chart["bars"][1]["width"] == round(chart["span"] * 0.6, 1)
