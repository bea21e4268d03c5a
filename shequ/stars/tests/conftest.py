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
