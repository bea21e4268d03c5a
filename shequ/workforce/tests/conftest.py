import pytest

from .factories import add_users


@pytest.fixture
def fworld(world):
    """The shared world plus street_s2, worker_c, org and the discipline and political-legal department users."""
    add_users(world)
    return world
