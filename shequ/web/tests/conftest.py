import pytest

from shequ.core.testing import PASSWORD


@pytest.fixture
def login(client):
    """Log ``client`` in as one of the world's users; return the user."""

    def _login(world, username):
        assert client.login(username=username, password=PASSWORD)
        return world.users[username]

    return _login
