"""The demo star ratings: a complete 2025 cycle with quarterly changes, this year's under way."""
import pytest

from shequ.demo.loader import DemoLoader
from shequ.demo.logins import ensure_demo_logins
from shequ.stars.demo import load_stars_demo
from shequ.stars.models import Rating, StarChange
from shequ.stars.selectors import standing

pytestmark = pytest.mark.django_db


def test_demo_fills_the_star_rating():
    DemoLoader(scale="tiny", seed=7).run()
    ensure_demo_logins()
    summary = load_stars_demo(seed=7)
    done = Rating.objects.filter(cycle__year=2025)
    assert summary["ratings"] == done.count() == 4
    assert set(done.values_list("status", flat=True)) == {"published"}
    assert StarChange.objects.filter(kind="remove").count() >= 1
    assert len(standing(on=__import__("datetime").date(2026, 1, 1))) == 4
    assert load_stars_demo(seed=7)["ratings"] == 0  # a second run adds nothing to the finished year
