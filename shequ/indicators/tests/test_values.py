"""Indicator values against hand counts on the small world (shequ.core.testing) and the appeals
fixture of the rates tests (shequ/appeals/tests/test_metrics.py, period November 2026).

Registry (each community: 2 households of 2 residents; births 1953–1969, see build_world):

=========  ===========  ==========  =========  ==================  =========================
node       communities  households  residents  households/community  aged 60+ in 2026
=========  ===========  ==========  =========  ==================  =========================
district   3            6           12         2                   10 (1953–1966 births)
S1         2 (A, B)     4           8          2                   8
S2         1 (C)        2           4          2                   2 (1965, 1966; not 1968/69)
A          1            2           4          2                   4
=========  ===========  ==========  =========  ==================  =========================

Appeals (November): A: response 2/4, solved 2/3, satisfied 2/3, on time 2/4, overdue 2 (a2 late,
a4 never replied); B: 1/1 everywhere, overdue 0; C: response 2/2, solved 1/2, satisfied 1/2, on
time 2/2 (c0 is October's); S1 = A + B: 3/5, 3/4, 3/4, 3/5, overdue 2; district: 5/7, 4/6, 4/6, 5/7.
"""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.appeals import indicators as appeal_indicators
from shequ.indicators import discovery
from shequ.indicators.providers import registry as registry_indicators

START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def test_registry_figures_match_hand_counts(world):
    n = world.nodes
    nodes = [n["district"], n["S1"], n["S2"], n["A"]]
    with CaptureQueriesContext(connection) as ctx:
        values = registry_indicators.compute(nodes, START, END)
    # one freshness check; three tables, each read once for district + streets and once for the community
    assert len(ctx.captured_queries) == 7
    expected = {"district": (3, 6, 12, 2, 10 / 12), "S1": (2, 4, 8, 2, 1.0), "S2": (1, 2, 4, 2, 0.5),
                "A": (1, 2, 4, 2, 1.0)}
    for key, (communities, households, residents, per_community, elderly) in expected.items():
        v = values[n[key].pk]
        assert (v["communities"], v["households"], v["residents"]) == (communities, households, residents), key
        assert v["households_per_community"] == per_community, key
        assert v["elderly_share"] == pytest.approx(elderly), key
        assert v["floating_share"] == 0, key


def test_appeal_figures_match_hand_counts(world, appeals_fixture):
    n = world.nodes
    values = appeal_indicators.compute([n["district"], n["S1"], n["A"], n["B"], n["C"]], START, END)
    expected = {  # response, resolution, satisfaction, on time, overdue, due
        "district": (5 / 7, 4 / 6, 4 / 6, 5 / 7, 2, 7),
        "S1": (3 / 5, 3 / 4, 3 / 4, 3 / 5, 2, 5),
        "A": (2 / 4, 2 / 3, 2 / 3, 2 / 4, 2, 4),
        "B": (1.0, 1.0, 1.0, 1.0, 0, 1),
        "C": (1.0, 0.5, 0.5, 1.0, 0, 2),
    }
    for key, (response, resolution, satisfaction, on_time, overdue, due) in expected.items():
        v = values[n[key].pk]
        assert v["appeals_response_rate"] == pytest.approx(response), key
        assert v["appeals_resolution_rate"] == pytest.approx(resolution), key
        assert v["appeals_satisfaction_rate"] == pytest.approx(satisfaction), key
        assert v["appeals_on_time_rate"] == pytest.approx(on_time), key
        assert (v["appeals_overdue"], v["appeals_due"]) == (overdue, due), key


def test_appeal_figures_equal_the_rates_page(world, appeals_fixture):
    """The provider reuses the rates of shequ.appeals.metrics: same numbers as the rates page."""
    from shequ.appeals import metrics

    report = metrics.appeal_rates(user=world.users["admin"], group="community", start=START, end=END)
    values = appeal_indicators.compute([world.nodes[k] for k in "ABC"], START, END)
    for row in report.rows:
        assert values[row.key]["appeals_on_time_rate"] == row.on_time_rate
        assert values[row.key]["appeals_response_rate"] == row.response_rate
        assert values[row.key]["appeals_satisfaction_rate"] == row.satisfaction_rate


def test_appeal_problems_name_the_communities_concerned(world, appeals_fixture, settings):
    found = {p["key"]: p for p in appeal_indicators.problems([world.nodes["district"]], START, END)}
    assert list(found) == ["appeals_overdue"]  # the rates have fewer than 5 appeals behind them
    assert found["appeals_overdue"]["communities"] == [world.nodes["A"].pk]
    assert "甲社区(2件)" in found["appeals_overdue"]["evidence"]
    settings.SHEQU_APPEAL_PROBLEM_THRESHOLDS = {"min_volume": 2}
    found = {p["key"]: p for p in appeal_indicators.problems([world.nodes["district"]], START, END)}
    assert found["appeals_slow_response"]["communities"] == [world.nodes["A"].pk]
    assert found["appeals_low_satisfaction"]["communities"] == [world.nodes["C"].pk, world.nodes["A"].pk]


def test_discovery_finds_the_installed_providers_and_lists_the_missing():
    discovery.reset()
    apps = discovery.installed_apps()
    assert {"shequ.registry", "shequ.appeals"} <= apps
    assert "shequ.whistle" not in apps  # no indicators module: simply absent
    from shequ.indicators.selectors import missing_modules

    missing = {m["app"] for m in missing_modules()}
    assert {"shequ.workforce", "shequ.party", "shequ.socialorgs", "shequ.admission"} <= missing
    assert "shequ.registry" not in missing


def test_a_provider_that_fails_to_import_is_an_error(monkeypatch):
    """A broken provider is not silently dropped (only a missing one is)."""
    import sys
    import types

    broken = types.ModuleType("shequ.brokenapp")
    broken.__path__ = []
    monkeypatch.setitem(sys.modules, "shequ.brokenapp", broken)
    monkeypatch.setattr(discovery, "app_names", lambda: ["shequ.brokenapp"])
    discovery.reset()

    def failing_import(name, *args):
        raise ModuleNotFoundError("No module named 'docx_missing'", name="docx_missing")

    monkeypatch.setattr(discovery.importlib, "import_module", failing_import)
    with pytest.raises(ModuleNotFoundError):
        discovery.providers()
    discovery.reset()


def test_registry_problems_large_and_empty_communities(world, settings):
    from shequ.jurisdiction.services import node_create

    assert registry_indicators.problems([world.nodes["district"]], START, END) == []
    empty = node_create(actor=None, parent=world.nodes["S2"], level="community", kind="village", name="丁村",
                        code="110105002002")
    settings.SHEQU_REGISTRY_PROBLEM_THRESHOLDS = {"max_households": 1}
    found = {p["key"]: p for p in registry_indicators.problems([world.nodes["district"]], START, END)}
    assert found["registry_empty_communities"]["communities"] == [empty.pk]
    assert sorted(found["registry_large_communities"]["communities"]) == sorted(world.nodes[k].pk for k in "ABC")
    assert "甲社区(2户)" in found["registry_large_communities"]["evidence"]
    only_s1 = {p["key"] for p in registry_indicators.problems([world.nodes["S1"]], START, END)}
    assert only_s1 == {"registry_large_communities"}  # 丁村 lies under S2


def test_registry_tally_gives_the_same_figures_and_is_used_while_fresh(world, settings):
    """After a refresh the dashboard sums the tally (one aggregate, no resident scan); same numbers."""
    from shequ.indicators import services
    from shequ.indicators.models import RegistryTallyRun

    n = world.nodes
    nodes = [n["district"], n["S1"], n["S2"], n["A"], n["B"]]
    live = registry_indicators.compute(nodes, START, END)
    run = services.registry_tally_refresh()
    assert run.rows == 3 * 4 + 3  # residents: 3 communities × 4 birth years; households: 3 communities
    assert registry_indicators.tally_fresh()
    with CaptureQueriesContext(connection) as ctx:
        tallied = registry_indicators.compute(nodes, START, END)
    assert tallied == live
    assert not any("registry_resident" in q["sql"] for q in ctx.captured_queries)
    settings.SHEQU_INDICATORS_TALLY_MAX_AGE = 0  # off: counts the registry again
    assert not registry_indicators.tally_fresh()
    RegistryTallyRun.objects.update(refreshed_at=RegistryTallyRun.objects.get().refreshed_at - dt.timedelta(hours=2))
    settings.SHEQU_INDICATORS_TALLY_MAX_AGE = 3600
    assert not registry_indicators.tally_fresh()  # stale
