"""Rate limits on appeal creation (API, staff page, resident page) and the Open311 POST; the
production settings pass `manage.py check --deploy`."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shequ.appeals.models import Appeal
from shequ.appeals.tests.factories import POINT_IN, ensure_catalog
from shequ.registry.tests.apiclient import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(settings):
    settings.RATELIMIT_ENABLE = True
    settings.SHEQU_RATE_LIMITS = {"login": "100/m", "appeal_create": "2/h", "open311_post": "2/h"}
    return settings


def test_appeal_creation_through_the_api_is_rate_limited(world, limited):
    ensure_catalog()
    lng, lat = POINT_IN["A"]
    client = api_as(world, "worker_a")
    payload = {"channel": "window", "category": "property_repair", "description": "楼道灯坏了", "lng": lng, "lat": lat}
    statuses = [client.post("/appeals", payload).status for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert Appeal.objects.count() == 2
    third = client.post("/appeals", payload)
    assert third.data["code"] == "rate_limited" and third.data["extra"]["limit"] == "2/h"
    # another account has its own allowance
    assert api_as(world, "worker_b").post("/appeals", payload).status == 201


def test_the_resident_intake_page_is_rate_limited(client, world, limited):
    ensure_catalog()
    lng, lat = POINT_IN["A"]
    data = {"category": "property_repair", "description": "楼道灯坏了", "lng": lng, "lat": lat,
            "requester_name": "王小明", "requester_phone": "13912345678"}
    codes = [client.post("/s/", data).status_code for _ in range(3)]
    assert codes[2] == 429 and "请求过于频繁" in client.post("/s/", data).content.decode()
    assert Appeal.objects.count() == 2


def test_open311_post_is_rate_limited_in_the_spec_error_format(client, world, limited):
    from shequ.open311.services import api_key_create
    from shequ.open311.tests.conftest import ensure_attributes
    from shequ.open311.tests.helpers import errors, post_request

    ensure_attributes()
    key = api_key_create(actor=None, name="测试客户端")[1]
    codes = [post_request(client, key).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert errors(post_request(client, key, "xml"))[0][0] == 429


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_production_settings_pass_the_deploy_check(tmp_path):
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SHEQU_ENV": "production",
           "SHEQU_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(50)).decode(), "SHEQU_DATA_KEY": _key(),
           "SHEQU_HASH_KEY": _key(), "SHEQU_ALLOWED_HOSTS": "shequ.example.gov.cn", "SHEQU_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' process, never in a deployment
    run = subprocess.run([sys.executable, str(root / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
                         env=env, capture_output=True, text=True, cwd=root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout
