"""Idempotency-Key: a client retrying an appeal's creation (staff API or Open311) gets the appeal
made the first time, never a second one; the same key with another body is refused; keys of
different clients do not meet; two requests with one key at the same moment make one record;
old keys are purged."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from shequ.appeals.models import Appeal, Holiday
from shequ.appeals.tests.factories import POINT_IN, ensure_catalog
from shequ.core import idempotency
from shequ.core.models import IdempotencyKey
from shequ.core.testing import in_own_connection
from shequ.open311.services import api_key_create
from shequ.open311.tests.conftest import ensure_attributes
from shequ.open311.tests.helpers import body


def _post(client, payload, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/api/appeals", json.dumps(payload), content_type="application/json", headers=headers)


@pytest.fixture
def staff(world):
    ensure_catalog()
    client = Client()
    client.force_login(world.users["worker_a"])
    return client


def _payload(description="楼道灯坏了"):
    lng, lat = POINT_IN["A"]
    return {"channel": "hotline", "category": "property_repair", "description": description, "lng": lng, "lat": lat,
            "requester_name": "王小明", "requester_phone": "13912345678"}


def test_a_retry_with_the_same_key_returns_the_first_appeal(staff):
    first = _post(staff, _payload(), key="retry-7f3a")
    again = _post(staff, _payload(), key="retry-7f3a")
    assert first.status_code == 201 and again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again.json()["number"] == first.json()["number"] and again.json()["id"] == first.json()["id"]
    assert again.json()["requester_phone"] == "139****5678"  # masked as the first answer was
    assert Appeal.objects.count() == 1
    assert [e["verb"] for e in again.json()["timeline"]] == ["submitted"]


def test_without_a_key_each_request_makes_an_appeal(staff):
    assert _post(staff, _payload()).status_code == 201
    assert _post(staff, _payload()).status_code == 201
    assert Appeal.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(staff):
    assert _post(staff, _payload(), key="k-1").status_code == 201
    other = _post(staff, _payload("小区门口积水"), key="k-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Appeal.objects.count() == 1


def test_keys_belong_to_their_user(staff, world):
    assert _post(staff, _payload(), key="shared").status_code == 201
    other = Client()
    other.force_login(world.users["worker_b"])
    lng, lat = POINT_IN["B"]
    assert _post(other, {**_payload(), "lng": lng, "lat": lat}, key="shared").status_code == 201
    assert Appeal.objects.count() == 2


def test_a_bad_key_is_refused_before_anything_is_written(staff):
    assert _post(staff, _payload(), key="x" * 256).status_code == 422
    assert _post(staff, _payload(), key="键").status_code in (400, 422)  # not ASCII: refused by the client or us
    assert not Appeal.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_key_whose_appeal_is_gone_is_a_conflict(staff, world):
    import hashlib

    body = json.dumps(_payload())
    IdempotencyKey.objects.create(owner=f"user:{world.users['worker_a'].pk}", key="gone",
                                  fingerprint=hashlib.sha256(body.encode()).hexdigest(),
                                  target_type="appeals.appeal", target_id=987654)
    answer = staff.post("/api/appeals", body, content_type="application/json", headers={"Idempotency-Key": "gone"})
    assert answer.status_code == 409 and answer.json()["code"] == "idempotency_target_gone"
    assert not Appeal.objects.exists()


def test_a_failed_request_does_not_use_up_its_key(staff):
    bad = _post(staff, {**_payload(), "requester_phone": "123"}, key="k-2")
    assert bad.status_code == 422 and not IdempotencyKey.objects.exists()
    assert _post(staff, _payload(), key="k-2").status_code == 201


def test_open311_retry_returns_the_first_request(client, world):
    ensure_attributes()
    _key, secret = api_key_create(actor=None, name="app")
    lng, lat = POINT_IN["A"]
    form = {"api_key": secret, "service_code": "sanitation", "description": "楼道堆满垃圾", "long": lng, "lat": lat}

    def post(**changes):
        return client.post("/open311/requests.json", {**form, **changes}, headers={"Idempotency-Key": "dev-42"})

    first, again = post(), post()
    assert first.status_code == 200 and again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert body(again)[0]["service_request_id"] == body(first)[0]["service_request_id"]
    assert Appeal.objects.count() == 1
    changed = post(description="另一件事")
    assert changed.status_code == 400 and Appeal.objects.count() == 1


def test_purge_forgets_keys_past_the_retention(db, settings):
    settings.SHEQU_IDEMPOTENCY_HOURS = 24
    now = timezone.now()
    old = IdempotencyKey.objects.create(owner="user:1", key="old", fingerprint="f", target_type="x", target_id=1,
                                        created_at=now - dt.timedelta(hours=25))
    IdempotencyKey.objects.create(owner="user:1", key="new", fingerprint="f", target_type="x", target_id=2,
                                  created_at=now - dt.timedelta(hours=23))
    assert idempotency.purge(now=now) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()


def test_two_requests_with_one_key_at_once_make_one_record(db):
    """Two connections run the same keyed creation at the same moment: the second waits on the key's
    row, is rolled back, and answers with the first one's record. The threads commit for real, so
    the record is a holiday on a day no test uses, deleted afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serializes writers")
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run(day):
        def create():
            holiday = Holiday.objects.create(date=day, name="idempotency test")
            time.sleep(0.3)  # both inside create() before either writes its key
            return holiday

        try:
            barrier.wait()
            results.append(idempotency.once(owner="test:concurrent", key="same", body_fingerprint=lambda: "f", create=create,
                                            load=lambda pk: Holiday.objects.get(pk=pk)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(dt.date(1998, 1, 1 + i),)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        (one, replay_one), (two, replay_two) = results
        assert one.pk == two.pk and sorted([replay_one, replay_two]) == [False, True]
        assert in_own_connection(lambda: Holiday.objects.filter(name="idempotency test").count()) == 1
    finally:
        in_own_connection(lambda: (Holiday.objects.filter(name="idempotency test").delete(),
                                   IdempotencyKey.objects.filter(owner="test:concurrent").delete()))

