"""The workforce API: register and change a worker (masked answers), reveal (permission, audit),
trainings and assessments, the joint review, funds, facilities, the import; OpenAPI lists them."""
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from shequ.core.audit import AuditLog

from .factories import staff

pytestmark = pytest.mark.django_db
J = "application/json"


def test_worker_create_patch_and_reveal(fworld, client):
    client.force_login(fworld.users["street_s1"])
    created = client.post("/api/workforce/workers", {
        "community_id": fworld.nodes["A"].pk, "name": "接口同志", "id_number": "110105198001010016",
        "phone": "13812345678", "position": "committee", "education": "college", "monthly_pay": "5800"}, content_type=J)
    assert created.status_code == 201
    body = created.json()
    assert body["phone"] == "138****5678" and body["id_number"] == "110105********0016"
    assert body["birth_date"] == "1980-01-01" and body["age"] >= 46
    patched = client.patch(f"/api/workforce/workers/{body['id']}", {"monthly_pay": "6100", "certificate": "assistant"},
                           content_type=J)
    assert patched.status_code == 200 and patched.json()["monthly_pay"] == "6100.00"
    assert client.post(f"/api/workforce/workers/{body['id']}/reveal").status_code == 403
    client.force_login(fworld.users["worker_a_unmask"])
    clear = client.post(f"/api/workforce/workers/{body['id']}/reveal").json()
    assert clear == {"id_number": "110105198001010016", "phone": "13812345678"}
    assert AuditLog.objects.filter(verb="worker.unmasked", extra__channel="api").exists()


def test_bad_input_names_the_field(fworld, client):
    client.force_login(fworld.users["street_s1"])
    response = client.post("/api/workforce/workers", {"community_id": fworld.nodes["A"].pk, "name": "坏号",
                                                      "id_number": "123"}, content_type=J)
    assert response.status_code == 422 and response.json()["extra"]["field"] == "id_number"
    response = client.post("/api/workforce/workers", {"community_id": fworld.nodes["A"].pk, "name": "x",
                                                      "position": "boss"}, content_type=J)
    assert response.status_code == 422 and "position" in response.json()["message"]


def test_training_assessment_and_sheet(fworld, client):
    workers = staff(fworld)
    client.force_login(fworld.users["street_s1"])
    pk = workers["王一"].pk
    assert client.post(f"/api/workforce/workers/{pk}/trainings", {"title": "岗位培训", "start_on": "2026-04-01",
                                                                   "hours": "8"}, content_type=J).status_code == 201
    year = dt.date.today().year - 1
    a = client.post(f"/api/workforce/workers/{pk}/assessments", {"year": year, "grade": "competent"}, content_type=J)
    assert a.status_code == 200 and a.json()["stars"]["available"] in (True, False)
    sheet = client.get(f"/api/workforce/assessments/{year}").json()
    assert {r["name"] for r in sheet} >= {"王一", "李一"} and "赵一" not in {r["name"] for r in sheet}
    assert next(r for r in sheet if r["name"] == "王一")["grade"] == "competent"
    early = client.post(f"/api/workforce/workers/{pk}/assessments", {"year": dt.date.today().year + 1,
                                                                      "grade": "competent"}, content_type=J)
    assert early.status_code == 422 and early.json()["code"] == "workforce_assessment_too_early"


def test_joint_review_through_the_api(fworld, client):
    client.force_login(fworld.users["office"])
    c = client.post("/api/workforce/candidates", {"community_id": fworld.nodes["C"].pk, "name": "候选人",
                                                  "position": "secretary", "year": 2026}, content_type=J).json()
    for user, kind in (("org", "organization"), ("dept", "civil_affairs"), ("dept_discipline", "discipline"),
                       ("dept_political_legal", "political_legal")):
        client.force_login(fworld.users[user])
        r = client.post(f"/api/workforce/candidates/{c['id']}/findings", {"department_kind": kind, "passed": True},
                        content_type=J)
        assert r.status_code == 200
    assert r.json()["overall"] == "passed" and len(r.json()["findings"]) == 4
    wrong = client.post(f"/api/workforce/candidates/{c['id']}/findings", {"department_kind": "organization",
                                                                           "passed": True}, content_type=J)
    assert wrong.status_code == 403


def test_funds_and_facilities_through_the_api(fworld, client):
    client.force_login(fworld.users["office"])
    f = client.post("/api/workforce/funds", {"community_id": fworld.nodes["A"].pk, "kind": "reward", "year": 2026,
                                             "amount": "40000", "allocated_on": "2026-05-01"}, content_type=J)
    assert f.status_code == 201
    client.force_login(fworld.users["worker_a"])
    s = client.post(f"/api/workforce/funds/{f.json()['id']}/spendings", {"amount": "15000", "spent_on": "2026-06-01",
                                                                          "purpose": "社区活动"}, content_type=J)
    assert s.status_code == 201 and s.json()["balance"] == "25000.00"
    over = client.post(f"/api/workforce/funds/{f.json()['id']}/spendings", {"amount": "25000.01", "spent_on": "2026-06-02",
                                                                             "purpose": "超"}, content_type=J)
    assert over.status_code == 409
    client.force_login(fworld.users["street_s1"])
    put = client.put(f"/api/workforce/facilities/{fworld.nodes['A'].pk}", {"area": "1200"}, content_type=J)
    assert put.status_code == 200
    figures = client.get("/api/workforce/figures?start=2026-01-01&end=2026-12-31").json()
    assert figures["facility_coverage"] == 0.5 and figures["funds"] == 40000.0


def test_import_through_the_api(fworld, client):
    client.force_login(fworld.users["street_s1"])
    book = Workbook()
    book.active.append(["姓名", "社区代码", "岗位", "学历"])
    book.active.append(["甲", fworld.nodes["A"].code, "社区专职工作者", "本科"])
    book.active.append(["", fworld.nodes["A"].code, "社区专职工作者", "博士"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "w.xlsx"
    result = client.post("/api/workforce/import", {"file": out}).json()
    assert result["ok"] is False and result["created"] == 0
    assert {(e["row"], e["column"]) for e in result["errors"]} == {(3, "姓名"), (3, "学历")}


def test_openapi_lists_the_operations(client):
    schema = client.get("/api/openapi.json").json()
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"workforce_worker_list", "workforce_figures", "workforce_finding_record", "workforce_worker_import",
            "workforce_spending_add", "surveys_answer", "surveys_interview", "surveys_results"} <= ids


def test_worker_list_takes_a_fixed_number_of_queries(fworld, client, django_assert_max_num_queries):
    staff(fworld)
    client.force_login(fworld.users["office"])
    client.get("/api/workforce/workers")  # warm the session
    with django_assert_max_num_queries(8):
        assert client.get("/api/workforce/workers?limit=200").json()["count"] == 5
