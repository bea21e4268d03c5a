"""Grades and recommendations at every boundary (SPEC M3), the stars held on a date, quarters."""
import datetime as dt
from decimal import Decimal

import pytest

from shequ.stars import rules
from shequ.stars.rules import Gate, Grade

EXPECTED_GRADES = {0: Grade.POOR, 1: Grade.POOR, 2: Grade.POOR, 3: Grade.POOR, 4: Grade.POOR, 5: Grade.AVERAGE,
                   6: Grade.AVERAGE, 7: Grade.FAIR, 8: Grade.GOOD, 9: Grade.GOOD, 10: Grade.GOOD}


@pytest.mark.parametrize("stars, grade", sorted(EXPECTED_GRADES.items()))
def test_grade_at_every_star_count(stars, grade):
    """8+ 好, 7 较好, 5–6 一般, 4 or fewer 差."""
    assert rules.grade_of(stars) == grade


def test_grade_labels_are_the_reports_words():
    assert [rules.grade_label(g) for g in Grade.ORDER] == ["好", "较好", "一般", "差"]


def test_grade_bands_follow_configured_thresholds():
    t = rules.Thresholds(good_min=9, fair_min=8, average_min=6)
    assert [rules.grade_of(n, t) for n in (5, 6, 7, 8, 9)] == [Grade.POOR, Grade.AVERAGE, Grade.AVERAGE, Grade.FAIR, Grade.GOOD]


GATES = [Gate.NONE] * 6 + [Gate.DOUBLE_FIVE, Gate.DOUBLE_FIVE, Gate.CIVILIZED, Gate.SAFE]


def _eligible(count, held_gates):
    return {r.key: r.eligible for r in rules.recommendations(count, held_gates, GATES)}


@pytest.mark.parametrize("stars, wuhao, city, region", [
    (6, False, False, False), (7, True, False, False), (8, True, True, False), (9, True, True, False), (10, True, True, True),
])
def test_priority_recommendations_by_star_count(stars, wuhao, city, region):
    """7+ 五好党支部, 8+ city-level 先进基层党组织, 10 region-level."""
    result = _eligible(stars, [])
    assert (result["wuhao"], result["city"], result["region"]) == (wuhao, city, region)


@pytest.mark.parametrize("held, double_five, civilized, safe", [
    ([Gate.DOUBLE_FIVE, Gate.DOUBLE_FIVE, Gate.CIVILIZED, Gate.SAFE], True, True, True),
    ([Gate.DOUBLE_FIVE, Gate.CIVILIZED, Gate.SAFE], False, True, True),  # only one of 民族团结/宗教和谐
    ([], False, False, False),
    ([Gate.DOUBLE_FIVE, Gate.DOUBLE_FIVE], True, False, False),
    ([Gate.SAFE], False, False, True),
])
def test_gating_stars(held, double_five, civilized, safe):
    """Lacking 民族团结星 or 宗教和谐星 excludes from 双五好; 精神文明星 gates 文明社区; 平安建设星 平安社区."""
    result = _eligible(9, held)
    assert (result[Gate.DOUBLE_FIVE], result[Gate.CIVILIZED], result[Gate.SAFE]) == (double_five, civilized, safe)


def test_held_on_a_date_follows_the_latest_change_per_star():
    d = dt.date
    changes = [(1, "award", d(2026, 1, 10), 1), (2, "award", d(2026, 1, 10), 2), (2, "remove", d(2026, 4, 1), 3),
               (2, "add", d(2026, 8, 1), 4), (3, "award", d(2026, 1, 10), 5), (3, "remove", d(2026, 1, 10), 6)]
    assert rules.held_on(changes, d(2026, 1, 9)) == set()
    assert rules.held_on(changes, d(2026, 1, 10)) == {1, 2}  # same-day removal (later id) wins for star 3
    assert rules.held_on(changes, d(2026, 5, 1)) == {1}
    assert rules.held_on(changes, d(2026, 8, 1)) == {1, 2}


def test_quarter_and_mass_rate():
    assert [rules.quarter_of(dt.date(2026, m, 1)) for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [
        "2026Q1", "2026Q1", "2026Q2", "2026Q2", "2026Q3", "2026Q3", "2026Q4", "2026Q4"]
    assert rules.mass_rate(5, 1, 10) == Decimal("0.6000")
    assert rules.mass_rate(0, 0, 0) is None


def test_default_coefficients():
    assert [rules.DEFAULT_THRESHOLDS.coefficient(g) for g in Grade.ORDER] == [
        Decimal("1.20"), Decimal("1.10"), Decimal("1.00"), Decimal("0.80")]
