"""The star-rating coefficient on the yearly assessment: read from shequ.stars when it is installed,
"not available" when it is not (app missing, or its module cannot be imported)."""
import sys
import types

import pytest
from django.apps import apps

from shequ.workforce import selectors

from .factories import worker

pytestmark = pytest.mark.django_db


def test_without_stars_the_coefficient_is_not_available(fworld, client):
    w = worker(fworld, "A", "王一", pay=6000)
    from shequ.workforce import services
    import datetime as dt

    services.assessment_record(actor=fworld.users["office"], worker_id=w.pk, year=2025, grade="excellent",
                               today=dt.date(2025, 12, 10))
    if apps.is_installed("shequ.stars"):
        pytest.skip("shequ.stars is installed in this build")
    assert selectors.cadre_coefficient(fworld.nodes["A"].pk, 2025) == {"available": False}
    client.force_login(fworld.users["street_s1"])
    page = client.get(f"/workforce/workers/{w.pk}/")
    assert 'data-stars="unavailable"' in page.content.decode()
    api = client.get(f"/api/workforce/workers/{w.pk}").json()
    assert api["assessments"][0]["stars"]["available"] is False


def test_installed_but_unimportable_stars_is_not_available(monkeypatch):
    monkeypatch.setattr(apps, "is_installed", lambda name: True)
    monkeypatch.setitem(sys.modules, "shequ.stars", None)  # "import shequ.stars.cadre" raises ImportError
    monkeypatch.setitem(sys.modules, "shequ.stars.cadre", None)
    assert selectors.cadre_coefficient(1, 2025) == {"available": False}


def test_with_stars_the_coefficient_is_shown(monkeypatch):
    calls = []

    def cadre_coefficient(community_node_id, year):
        calls.append((community_node_id, year))
        return {"grade": "较好", "stars": 7, "coefficient": 1.1} if community_node_id == 1 else None

    package = types.ModuleType("shequ.stars")
    package.__path__ = []
    module = types.ModuleType("shequ.stars.cadre")
    module.cadre_coefficient = cadre_coefficient
    monkeypatch.setattr(apps, "is_installed", lambda name: True)
    monkeypatch.setitem(sys.modules, "shequ.stars", package)
    monkeypatch.setitem(sys.modules, "shequ.stars.cadre", module)
    assert selectors.cadre_coefficient(1, 2025) == {"available": True, "rated": True, "grade": "较好", "stars": 7,
                                                    "coefficient": 1.1}
    assert selectors.cadre_coefficient(2, 2025) == {"available": True, "rated": False}
    assert calls == [(1, 2025), (2, 2025)]
