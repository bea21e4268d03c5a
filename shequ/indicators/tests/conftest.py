"""Fixtures of the indicator tests: the appeals fixture of the rates tests (hand-counted there and
here), and ``fake_provider``, a provider module installed as if an app ``shequ.socialorgs`` were."""
import sys
import types

import pytest

from shequ.appeals.tests.test_metrics import fixture as appeals_fixture  # noqa: F401
from shequ.indicators import discovery

NOV = ("2026-11-01", "2026-11-30")

#: Modules with providers of their own, tested in their own apps. These tests see the platform as if
#: only the registry and appeals providers existed, so the hand counts and the "not yet available"
#: sections stay what they were written for (the fake provider below stands in for a module).
OWN_TESTED = {"shequ.workforce", "shequ.surveys", "shequ.party", "shequ.socialorgs", "shequ.admission",
              "shequ.stars", "shequ.volunteers", "shequ.consultation"}


@pytest.fixture(autouse=True)
def _core_providers_only(monkeypatch):
    names = [n for n in discovery.app_names() if n not in OWN_TESTED]
    monkeypatch.setattr(discovery, "app_names", lambda: list(names))
    discovery.reset()
    yield
    discovery.reset()


def install_fake(monkeypatch, app: str, **attributes) -> types.ModuleType:
    """Make ``<app>.indicators`` importable with ``attributes`` and list ``app`` as installed."""
    package, module = types.ModuleType(app), types.ModuleType(f"{app}.indicators")
    package.__path__ = []
    for name, value in attributes.items():
        setattr(module, name, value)
    monkeypatch.setitem(sys.modules, app, package)
    monkeypatch.setitem(sys.modules, f"{app}.indicators", module)
    names = discovery.app_names()
    monkeypatch.setattr(discovery, "app_names", lambda: [*names, app])
    discovery.reset()
    return module


@pytest.fixture
def fake_provider(monkeypatch, world):
    """``shequ.socialorgs.indicators`` with one overall indicator and one problem about community A."""
    community_a = world.nodes["A"].pk
    calls = []

    def compute(nodes, start, end):
        calls.append([n.pk for n in nodes])
        return {n.pk: {"socialorgs_per_community": 2.5 if n.level != "community" else 2} for n in nodes}

    def problems(nodes, start, end):
        return [{"key": "few_socialorgs", "title": "社会组织发展慢",
                 "evidence": "1 个社区社会组织少于 3 个(甲社区 2 个),目标为每社区不少于 10 个。",
                 "communities": [community_a], "suggestion": "培育生活服务类、公益慈善类社区社会组织。", "severity": 3}]

    module = install_fake(monkeypatch, "shequ.socialorgs", compute=compute, problems=problems, calls=calls,
                          INDICATORS=[{"key": "socialorgs_per_community", "label": "每社区社会组织数", "unit": "个",
                                       "better": "higher", "section": "overall"}])
    yield module
    discovery.reset()
