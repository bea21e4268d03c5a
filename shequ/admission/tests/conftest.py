import pytest

from .factories import setup_admission


@pytest.fixture
def aworld(world):
    """The shared world with the default admission lists in force and a second department."""
    setup_admission(world)
    return world
