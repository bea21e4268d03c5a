import importlib

import pytest

_defaults = importlib.import_module("shequ.open311.migrations.0002_default_attributes")


def ensure_attributes() -> None:
    """The default attributes (re-created if a flush removed the migration's rows)."""
    from django.apps import apps

    from shequ.appeals.tests.factories import ensure_catalog

    ensure_catalog()
    _defaults.load(apps, None)


@pytest.fixture
def catalog(db):
    ensure_attributes()


@pytest.fixture
def client_key(db):
    from shequ.open311.services import api_key_create

    return api_key_create(actor=None, name="测试客户端")[1]
