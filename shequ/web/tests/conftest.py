import pytest

from shequ.core.testing import PASSWORD


@pytest.fixture
def login(client):
    """Log ``client`` in as one of the world's users; return the user."""

    def _login(world, username):
        assert client.login(username=username, password=PASSWORD)
        return world.users[username]

    return _login


@pytest.fixture(autouse=True)
def _restore_language():
    """Requests activate their language in this thread (LocaleMiddleware); do not leak English to later tests."""
    from django.utils import translation

    language = translation.get_language()
    yield
    translation.activate(language)
