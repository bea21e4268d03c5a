"""The agency API: each operation for the allowed user, the sibling community (404) and a wrong role
(403); residents see only their own cases; masking; bad input writes nothing."""
import pytest

from shequ.agency.models import AgencyCase, Trip, Visit
from shequ.core.models import AuditLog
from shequ.registry.tests.apiclient import api_as

from .factories import ensure_matters, open_case


@pytest.fixture
def case_a(world):
    return open_case(world, materials_received=["身份证"])


def test_matters(world):
    ensure_matters()
    answer = api_as(world, "worker_a").get("/agency/matters")
    assert answer.status == 200
    row = next(m for m in answer.data if m["code"] == "disability_card")
    assert row["name"] == "残疾证办理" and row["level"] == "department" and row["limit_value"] == 20
    assert row["steps"] == ["受理登记", "材料收齐", "预约评残", "送审(区残联)", "审批", "结果送达"]
    assert "病历或诊断证明" in row["materials"]


def test_open_a_case_and_work_it_through(world):
    ensure_matters()
    client = api_as(world, "worker_a")
    resident = world.residents["A101h"]
    opened = client.post("/agency/cases", {"resident_id": resident.pk, "matter": "residence_cert",
                                           "agent_id": world.users["grid_a"].pk, "materials_received": ["身份证"]})
    assert opened.status == 201, opened
    data = opened.data
    assert data["resident"]["name"] == resident.name
    assert data["resident"]["id_number"] != resident.id_number and "*" in data["resident"]["id_number"]
    assert resident.id_number not in str(data) and resident.phone not in str(data)
    assert data["agent"] == "grid_a" and data["status"] == "in_progress"
    assert data["materials"] == [{"name": "身份证", "received": True}, {"name": "户口簿或租房合同", "received": False}]
    steps = data["steps"]
    assert [s["name"] for s in steps] == ["受理登记", "核实情况", "出具证明", "结果送达"]
    case_id = data["id"]
    early = client.post(f"/agency/cases/{case_id}/steps/{steps[1]['id']}/done", {})
    assert early.status == 409 and early.data["code"] == "agency_step_order"
    assert client.post(f"/agency/cases/{case_id}/steps/{steps[0]['id']}/done", {"note": "ok"}).status == 200
    assert client.post(f"/agency/cases/{case_id}/steps/{steps[1]['id']}/skip", {}).status == 422
    assert client.post(f"/agency/cases/{case_id}/steps/{steps[1]['id']}/skip", {"note": "系统可查"}).status == 200
    trip = client.post(f"/agency/cases/{case_id}/trips", {"reason": "本人签字"})
    assert trip.status == 201 and trip.data["trip_count"] == 1 and trip.data["trips"][0]["reason"] == "本人签字"
    materials = client.put(f"/agency/cases/{case_id}/materials", {"received": ["身份证", "户口簿或租房合同"]})
    assert all(m["received"] for m in materials.data["materials"])
    for step in steps[2:]:
        assert client.post(f"/agency/cases/{case_id}/steps/{step['id']}/done", {}).status == 200
    done = client.post(f"/agency/cases/{case_id}/complete", {"delivery": "door", "result": "证明已送到家"})
    assert done.status == 200 and done.data["status"] == "completed" and done.data["trip_count"] == 1
    again = client.post(f"/agency/cases/{case_id}/cancel", {"reason": "x"})
    assert again.status == 409


def test_bad_input_writes_nothing(world):
    ensure_matters()
    client = api_as(world, "worker_a")
    before = (AgencyCase.objects.count(), AuditLog.objects.count())
    resident = world.residents["A101h"].pk
    assert client.post("/agency/cases", {"resident_id": resident, "matter": "nope"}).status == 404
    bad = client.post("/agency/cases", {"resident_id": resident, "matter": "residence_cert", "materials_received": ["护照"]})
    assert bad.status == 422 and bad.data["extra"]["field"] == "materials"
    agent = client.post("/agency/cases", {"resident_id": resident, "matter": "residence_cert",
                                          "agent_id": world.users["worker_b"].pk})
    assert agent.status == 422 and agent.data["extra"]["field"] == "agent"
    assert client.post("/agency/cases", {"resident_id": resident}).status == 422
    assert client.post("/agency/visits", {"resident_id": resident, "kind": "party", "purpose": "x"}).status == 422
    assert client.post("/agency/visits", {"resident_id": resident, "kind": "other", "purpose": "x",
                                          "due_at": "2000-01-01T00:00:00+08:00"}).status == 422
    assert (AgencyCase.objects.count(), AuditLog.objects.count()) == before and not Visit.objects.exists()


def test_scope_404_and_role_403(world, case_a):
    ensure_matters()
    other = api_as(world, "worker_b")
    assert other.get(f"/agency/cases/{case_a.pk}").status == 404
    assert other.get("/agency/cases").data["items"] == []
    step = case_a.steps.order_by("order").first()
    assert other.post(f"/agency/cases/{case_a.pk}/steps/{step.pk}/done", {}).status == 404
    assert other.post(f"/agency/cases/{case_a.pk}/trips", {"reason": "x"}).status == 404
    assert other.post("/agency/cases", {"resident_id": world.residents["A101s"].pk, "matter": "residence_cert"}).status == 404
    leader = api_as(world, "leader")
    assert leader.get(f"/agency/cases/{case_a.pk}").status == 200
    assert leader.post(f"/agency/cases/{case_a.pk}/trips", {"reason": "x"}).status == 403
    assert leader.post("/agency/cases", {"resident_id": world.residents["A101s"].pk, "matter": "residence_cert"}).status == 403
    dept = api_as(world, "dept")
    assert dept.get("/agency/cases").status == 403
    assert dept.get("/agency/visits").status == 403
    assert api_as(world, None).get("/agency/cases").status == 401
    case_a.refresh_from_db()
    assert case_a.trip_count == 0 and not Trip.objects.exists()
    assert not case_a.steps.exclude(status="pending").exists()


def test_resident_sees_only_their_own_cases(world, case_a):
    housemate = open_case(world, resident="A101s")  # same household, another resident
    client = api_as(world, "resident_a")  # resident A101h
    mine = client.get("/agency/cases")
    assert mine.status == 200 and [c["id"] for c in mine.data["items"]] == [case_a.pk]
    detail = client.get(f"/agency/cases/{case_a.pk}")
    assert detail.status == 200 and len(detail.data["steps"]) == 5 and detail.data["visits"] == []
    assert client.get(f"/agency/cases/{housemate.pk}").status == 404
    assert client.post(f"/agency/cases/{case_a.pk}/trips", {"reason": "x"}).status == 403
    assert client.get("/agency/visits").status == 403
    assert client.get("/agency/measures", **{"from": "2026-11-01", "to": "2026-11-30"}).status == 403


def test_visits_assignment_my_visits_and_record(world, case_a):
    requester = api_as(world, "worker_a")
    made = requester.post("/agency/visits", {"resident_id": world.residents["A101h"].pk, "kind": "agency",
                                             "purpose": "上门收取户口簿", "case_id": case_a.pk})
    assert made.status == 201, made
    assert made.data["assignee"] == "grid_a" and made.data["assigned_unit"] == "甲社区第1网格"
    assert made.data["case"] == case_a.number
    fallback = api_as(world, "worker_b").post("/agency/visits", {"resident_id": world.residents["B102h"].pk,
                                                                  "kind": "elderly_alone", "purpose": "探访"})
    assert fallback.data["assignee"] == "" and fallback.data["assigned_unit"] == "乙社区"
    grid = api_as(world, "grid_a")
    mine = grid.get("/agency/visits", mine="true")
    assert [v["id"] for v in mine.data["items"]] == [made.data["id"]]
    assert api_as(world, "worker_b").get(f"/agency/visits/{made.data['id']}").status == 404
    assert api_as(world, "worker_b").post(f"/agency/visits/{made.data['id']}/record",
                                          {"outcome": "x", "solved_at_door": True}).status == 404
    assert api_as(world, "leader").post(f"/agency/visits/{made.data['id']}/record",
                                        {"outcome": "x", "solved_at_door": True}).status == 403
    recorded = grid.post(f"/agency/visits/{made.data['id']}/record", {"outcome": "已收取材料", "solved_at_door": True})
    assert recorded.status == 200 and recorded.data["status"] == "done" and recorded.data["solved_at_door"] is True
    case = requester.get(f"/agency/cases/{case_a.pk}").data
    assert [v["status"] for v in case["visits"]] == ["done"]
    cancelled = api_as(world, "worker_b").post(f"/agency/visits/{fallback.data['id']}/cancel", {"reason": "已入住养老院"})
    assert cancelled.data["status"] == "cancelled"


def test_measures_endpoint(world, case_a):
    client = api_as(world, "office")
    answer = client.get("/agency/measures", group="month", **{"from": "2026-11-01", "to": "2026-12-31"})
    assert answer.status == 200 and answer.data["from"] == "2026-11-01" and answer.data["rows"] == []
    assert answer.data["total"]["closed"] == 0 and answer.data["total"]["at_most_one_trip_rate"] is None
    assert client.get("/agency/measures", group="grid", **{"from": "2026-11-01", "to": "2026-12-31"}).status == 422
