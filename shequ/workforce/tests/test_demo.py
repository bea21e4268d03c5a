"""The demo fillers: the tiny demo district gets workers, facilities, funds, candidates and two
published surveys with answers; running again adds nothing; the demo reset clears them."""
import pytest

from shequ.demo.loader import DemoLoader
from shequ.demo.logins import ensure_demo_logins
from shequ.demo.reset import reset_demo
from shequ.surveys.demo import fill as fill_surveys
from shequ.surveys.models import Response, Survey
from shequ.workforce.demo import fill as fill_workforce
from shequ.workforce.models import Facility, Funding, Worker

pytestmark = pytest.mark.django_db


def test_demo_fill_is_complete_and_idempotent():
    DemoLoader(scale="tiny", seed=7).run()
    ensure_demo_logins()
    counts = fill_workforce(seed=7)
    assert counts["workers"] == Worker.objects.count() >= 4 * 3
    assert Facility.objects.exists() and Funding.objects.filter(kind="base").count() == 2 * 4
    made = fill_surveys(seed=7, responses=20)
    assert made["surveys"] == 2 and Response.objects.count() == made["responses"] >= 20
    assert fill_workforce(seed=7) == {} and fill_surveys(seed=7) == {}
    reset_demo()
    assert not Worker.objects.exists() and not Survey.objects.exists()
