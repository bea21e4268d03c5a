import pytest

from .factories import add_users, make_cycle


@pytest.fixture
def sworld(world):
    """The shared world plus the organization-department users and two more residents."""
    add_users(world)
    return world


@pytest.fixture
def cycle(sworld):
    return make_cycle(sworld)


@pytest.fixture
def live_cycle(sworld):
    """A cycle of this year whose mass assessment runs today (pages and API use the real clock)."""
    import datetime as dt

    from django.utils import timezone

    from shequ.stars import services

    today = services.local_day(timezone.now())
    start = max(dt.date(today.year, 1, 1), today - dt.timedelta(days=5))
    end = min(dt.date(today.year, 12, 31), today + dt.timedelta(days=5))
    return services.cycle_create(actor=sworld.users["admin"], year=today.year, mass_start=start, mass_end=end)
