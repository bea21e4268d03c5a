import pytest

from .factories import add_users


@pytest.fixture
def sworld(world):
    """The shared world plus street_s2 and residents of communities B and C with accounts."""
    add_users(world)
    return world
