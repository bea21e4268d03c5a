"""Two staff editing the same record at once: the second save is refused with a clear message and
the first one's change stays (pages and API); two staff acting on the same appeal: one wins, the
other is told the appeal moved on."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from shequ.appeals.tests.factories import submit
from shequ.registry.tests.apiclient import api_as

pytestmark = pytest.mark.django_db


def _form(client, url) -> dict:
    page = client.get(url).content.decode()
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    return {"name": re.search(r'name="name"[^>]*value="([^"]*)"', page).group(1), "version": version,
            "residence_type": "registered", "ethnicity": "汉族", "relation": "户主", "note": ""}


def test_second_editor_of_a_resident_page_is_told_and_nothing_is_overwritten(world):
    resident = world.residents["A101h"]
    url = f"/residents/{resident.pk}/edit/"
    first, second = Client(), Client()
    first.force_login(world.users["worker_a"])
    second.force_login(world.users["street_s1"])
    form_one, form_two = _form(first, url), _form(second, url)  # both open the form
    assert first.post(url, {**form_one, "note": "第一位的修改"}).status_code == 302
    stale = second.post(url, {**form_two, "note": "第二位的修改"})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    resident.refresh_from_db()
    assert resident.note == "第一位的修改"
    # after reloading, the second editor can save
    fresh = _form(second, url)
    assert second.post(url, {**fresh, "note": "第二位的修改"}).status_code == 302
    resident.refresh_from_db()
    assert resident.note == "第二位的修改"


def test_stale_patch_through_the_api_is_409(world):
    resident = world.residents["A101h"]
    client = api_as(world, "worker_a")
    read = client.get(f"/registry/residents/{resident.pk}").data["updated_at"]
    assert client.patch(f"/registry/residents/{resident.pk}", {"note": "甲", "updated_at": read}).status == 200
    stale = client.patch(f"/registry/residents/{resident.pk}", {"note": "乙", "updated_at": read})
    assert stale.status == 409 and stale.data["code"] == "stale"
    resident.refresh_from_db()
    assert resident.note == "甲"


def test_two_staff_accepting_one_appeal(world):
    appeal = submit(at="A")
    one, two = api_as(world, "worker_a"), api_as(world, "street_s1")
    assert one.post(f"/appeals/{appeal.pk}/accept", {}).status == 200
    late = two.post(f"/appeals/{appeal.pk}/accept", {})
    assert late.status == 409  # the appeal moved on; nothing is applied twice
    assert [e["verb"] for e in one.get(f"/appeals/{appeal.pk}").data["timeline"]].count("accepted") == 1


def test_database_outage_is_a_retryable_503(client, world, monkeypatch):
    from django.db import OperationalError

    from shequ.registry import selectors

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "resident_get", down)
    client.force_login(world.users["worker_a"])
    page = client.get(f"/residents/{world.residents['A101h'].pk}/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    api = api_as(world, "worker_a").get(f"/registry/residents/{world.residents['A101h'].pk}")
    assert api.status == 503 and api.data["code"] == "unavailable"
    assert client.get("/healthz").json() == {"status": "ok"}
