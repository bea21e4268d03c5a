"""A street user cannot see or touch another street's workers, candidates, funds or facilities
through pages, API, export or admin; roles without the capability get 403."""
import pytest
from openpyxl import load_workbook

from shequ.workforce import services

from .factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(fworld, client):
    workers = staff(fworld)
    c = services.candidate_create(actor=fworld.users["office"], community=fworld.nodes["C"], name="丙村候选人",
                                  position="director", year=2026)
    return fworld, workers, c, client


def _login(client, world, name):
    world.users[name].is_staff = True
    world.users[name].save(update_fields=["is_staff"])
    client.force_login(world.users[name])


def test_pages_hide_another_streets_workers(setup):
    world, workers, candidate, client = setup
    _login(client, world, "street_s1")
    listing = client.get("/workforce/workers/").content.decode()
    assert "王一" in listing and "李一" in listing and "赵一" not in listing
    assert client.get(f"/workforce/workers/{workers['赵一'].pk}/").status_code == 404
    assert client.get(f"/workforce/workers/{workers['赵一'].pk}/edit/").status_code == 404
    assert client.post(f"/workforce/workers/{workers['赵一'].pk}/trainings/",
                       {"t-title": "x", "t-start_on": "2026-01-01", "t-hours": "1"}).status_code == 404
    assert client.get(f"/workforce/candidates/{candidate.pk}/").status_code == 404
    overview = client.get("/workforce/").content.decode()
    assert "丙村" not in overview and "甲社区" in overview
    facilities = client.get("/workforce/facilities/").content.decode()
    assert "丙村" not in facilities
    c_funding = world.nodes["C"]
    from shequ.workforce.models import Funding

    assert client.get(f"/workforce/funds/{Funding.objects.get(community=c_funding).pk}/").status_code == 404
    assert client.get(f"/workforce/facilities/{c_funding.pk}/").status_code == 404


def test_api_hides_another_streets_workers(setup):
    world, workers, candidate, client = setup
    _login(client, world, "street_s1")
    names = {w["name"] for w in client.get("/api/workforce/workers?limit=200").json()["items"]}
    assert names == {"王一", "王二", "王三", "李一"}
    assert client.get(f"/api/workforce/workers/{workers['赵一'].pk}").status_code == 404
    assert client.patch(f"/api/workforce/workers/{workers['赵一'].pk}", {"monthly_pay": "1"},
                        content_type="application/json").status_code == 404
    assert client.get(f"/api/workforce/candidates/{candidate.pk}").status_code == 404
    assert client.post(f"/api/workforce/candidates/{candidate.pk}/findings",
                       {"department_kind": "civil_affairs", "passed": True}, content_type="application/json").status_code == 403
    figures = client.get("/api/workforce/figures").json()
    assert figures["communities"] == 2 and figures["workers"] == 4
    assert client.get(f"/api/workforce/figures?node={world.nodes['S2'].pk}").status_code == 404


def test_export_holds_only_the_users_area_and_masks(setup):
    world, workers, candidate, client = setup
    _login(client, world, "street_s1")
    response = client.get("/workforce/workers/export.xlsx")
    assert response.status_code == 200
    import io

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    names = {r[0] for r in rows[1:]}
    assert names == {"王一", "王二", "王三", "李一"}
    assert all("*" in (r[4] or "*") for r in rows[1:])  # phones masked
    _login(client, world, "worker_a")
    assert client.get("/workforce/workers/export.xlsx").status_code == 403


def test_admin_hides_another_streets_workers(setup):
    world, workers, candidate, client = setup
    _login(client, world, "street_s1")
    listing = client.get("/admin/workforce/worker/").content.decode()
    assert "王一" in listing and "赵一" not in listing
    assert client.get(f"/admin/workforce/worker/{workers['赵一'].pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/workforce/worker/{workers['王一'].pk}/change/").status_code == 200
    assert "13900000001" not in client.get(f"/admin/workforce/worker/{workers['王一'].pk}/change/").content.decode()


def test_roles_without_the_capability_get_403(setup):
    world, workers, candidate, client = setup
    _login(client, world, "resident_a")
    assert client.get("/workforce/").status_code == 403
    assert client.get("/api/workforce/workers").status_code == 403
    _login(client, world, "worker_a")
    assert client.get("/workforce/workers/new/").status_code == 403
    payload = {"community_id": world.nodes["A"].pk, "kind": "base", "year": 2026, "amount": "100", "allocated_on": "2026-01-02"}
    assert client.post("/api/workforce/funds", payload, content_type="application/json").status_code == 403
    _login(client, world, "dept")  # a review department: candidates yes, workers no
    assert client.get("/workforce/workers/").status_code == 403
    assert client.get(f"/workforce/candidates/{candidate.pk}/").status_code == 200


def test_community_worker_sees_only_their_community(setup):
    world, workers, candidate, client = setup
    _login(client, world, "worker_a")
    names = {w["name"] for w in client.get("/api/workforce/workers").json()["items"]}
    assert names == {"王一", "王二", "王三"}
    assert client.get(f"/workforce/workers/{workers['李一'].pk}/").status_code == 404
