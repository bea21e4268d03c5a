import pytest

from .factories import add_departments


@pytest.fixture
def wworld(world):
    """The shared world plus housing and urban-management departments and ``dept_housing``."""
    add_departments(world)
    return world
