"""The admission API: a department that tries to push unapproved work through is refused, a
community never sees another community's tasks, the office decides, the public list, data reuse."""
import datetime as dt

import pytest
from django.utils import timezone

from shequ.admission.models import AdmissionList, Assignment, Category, StampRecord, WorkTask
from shequ.registry.tests.apiclient import ApiClient, api_as

from .factories import item, off_list, submit

pytestmark = pytest.mark.django_db


def _deadline() -> str:
    return (timezone.localdate() + dt.timedelta(days=20)).isoformat()


def _request(world, **kwargs) -> dict:
    body = {"title": "辖区养犬情况摸底", "description": "逐户登记养犬情况", "duty_class": "assisting",
            "legal_basis": "《动物防疫法》", "purpose": "狂犬病防疫", "funding_mode": "per_community",
            "funding_amount": "2000", "deadline": _deadline(), "community_ids": [world.nodes["A"].pk]}
    body.update(kwargs)
    return body


def test_a_department_cannot_push_unapproved_work_through_the_api(aworld):
    """Off-list work waits; the department cannot approve it, dispatch it by claiming a list item of
    the wrong class, or skip the funding of assisting work; no community receives anything."""
    dept = api_as(aworld, "dept")
    filed = dept.post("/admission/tasks", _request(aworld))
    assert filed.status == 201, filed
    task_id = filed.data["id"]
    assert filed.data["status"] == "pending" and filed.data["assignments"] == []
    assert dept.post(f"/admission/tasks/{task_id}/approve", {"reason": "自己批准"}).status == 403
    sneaky = dept.post("/admission/tasks", _request(aworld, duty_class="basic",
                                                    list_item_id=item(aworld, Category.ASSISTING).pk))
    assert sneaky.status == 422 and sneaky.data["code"] == "admission_duty_class_mismatch"
    unfunded = dept.post("/admission/tasks", _request(aworld, list_item_id=item(aworld, Category.ASSISTING).pk,
                                                      funding_mode="none", funding_amount="0"))
    assert unfunded.status == 422 and unfunded.data["extra"]["field"] == "funding_amount"
    foreign = dept.post("/admission/tasks", _request(aworld, community_ids=[999999]))
    assert foreign.status == 422 and foreign.data["extra"]["field"] == "communities"
    assert not Assignment.objects.exists() and WorkTask.objects.count() == 1
    worker = api_as(aworld, "worker_a")
    assert worker.get("/admission/assignments").data["items"] == []
    assert worker.get(f"/admission/tasks/{task_id}").status == 404
    assert worker.post("/admission/tasks", _request(aworld)).status == 403


def test_the_office_decides_with_reasons(aworld):
    task = off_list(aworld, communities=("A", "B"))
    office = api_as(aworld, "office")
    no_reason = office.post(f"/admission/tasks/{task.pk}/reject", {"reason": ""})
    assert no_reason.status == 422 and no_reason.data["code"] == "admission_reason_required"
    back = office.post(f"/admission/tasks/{task.pk}/return", {"reason": "经费来源不明"})
    assert back.status == 200 and back.data["status"] == "returned" and back.data["decision_reason"] == "经费来源不明"
    dept = api_as(aworld, "dept")
    body = _request(aworld, funding_source="区财政", community_ids=[aworld.nodes["A"].pk, aworld.nodes["B"].pk])
    again = dept.put(f"/admission/tasks/{task.pk}", body)
    assert again.status == 200 and again.data["status"] == "pending"
    approved = office.post(f"/admission/tasks/{task.pk}/approve", {"reason": "同意"})
    assert approved.status == 200 and approved.data["status"] == "dispatched"
    assert approved.data["admission"] == "approved" and len(approved.data["assignments"]) == 2
    assert [e["verb"] for e in approved.data["timeline"]] == ["submitted", "returned", "resubmitted", "approved",
                                                              "dispatched"]
    assert office.post(f"/admission/tasks/{task.pk}/approve", {}).status == 409


def test_a_community_cannot_see_another_communitys_tasks(aworld):
    only_b = submit(aworld, communities=("B",), title="乙社区的事项")
    both = submit(aworld, communities=("A", "B"), title="两个社区的事项")
    worker_a = api_as(aworld, "worker_a")
    listing = worker_a.get("/admission/tasks")
    assert [t["title"] for t in listing.data["items"]] == ["两个社区的事项"]
    assert worker_a.get(f"/admission/tasks/{only_b.pk}").status == 404
    detail = worker_a.get(f"/admission/tasks/{both.pk}")
    assert [a["node"] for a in detail.data["assignments"]] == ["甲社区"]  # not B's row
    row_b = Assignment.objects.get(task=both, node=aworld.nodes["B"])
    assert worker_a.get(f"/admission/assignments/{row_b.pk}").status == 404
    assert worker_a.post(f"/admission/assignments/{row_b.pk}/complete", {"result": "x"}).status == 404
    assert worker_a.post(f"/admission/assignments/{row_b.pk}/forward", {"grid_ids": [aworld.nodes["B_grid"].pk]}).status == 404
    row_b.refresh_from_db()
    assert row_b.status == "received"
    assert {a["node"] for a in worker_a.get("/admission/assignments").data["items"]} == {"甲社区"}
    # the other department sees neither
    housing = api_as(aworld, "dept_housing")
    assert housing.get("/admission/tasks").data["items"] == []
    assert housing.get(f"/admission/tasks/{both.pk}").status == 404


def test_community_and_grid_work_through_the_api(pinned_now, aworld):
    task = submit(aworld)
    row = Assignment.objects.get(task=task)
    worker = api_as(aworld, "worker_a")
    fwd = worker.post(f"/admission/assignments/{row.pk}/forward", {"grid_ids": [aworld.nodes["A_grid"].pk]})
    assert fwd.status == 200 and [a["node"] for a in fwd.data] == ["甲社区第1网格"]
    grid = api_as(aworld, "grid_a")
    [grid_row] = grid.get("/admission/assignments").data["items"]
    done = grid.post(f"/admission/assignments/{grid_row['id']}/complete", {"result": "已完成入户"})
    assert done.status == 200 and done.data["status"] == "completed"
    assert grid.post(f"/admission/assignments/{row.pk}/complete", {"result": "x"}).status == 404
    assert worker.post(f"/admission/assignments/{row.pk}/complete", {"result": ""}).status == 422
    assert worker.post(f"/admission/assignments/{row.pk}/complete", {"result": "汇总上报"}).data["status"] == "completed"
    assert api_as(aworld, "dept").get(f"/admission/tasks/{task.pk}").data["status"] == "closed"


def test_lists_versions_and_the_public_list(aworld):
    office = api_as(aworld, "office")
    district = aworld.nodes["district"]
    public = ApiClient().get("/admission/lists/in-force", district=district.code)
    assert public.status == 200 and public.data["is_default"] is True
    counts = {c: sum(1 for i in public.data["items"] if i["category"] == c) for c in Category.values}
    assert counts == {"duty": 20, "assisting": 14, "seal": 15, "certificate": 6, "plaque": 3}
    draft = office.post("/admission/lists", {"district_id": district.pk, "title": "测试区社区工作准入清单(2027)"})
    assert draft.status == 201 and draft.data["status"] == "draft" and len(draft.data["items"]) == 58
    added = office.post(f"/admission/lists/{draft.data['id']}/items", {"category": "certificate", "name": "出生情况说明"})
    assert added.status == 201 and added.data["code"] == "ZM07"
    assert api_as(aworld, "dept").post(f"/admission/lists/{draft.data['id']}/items",
                                       {"category": "duty", "name": "x"}).status == 403
    assert api_as(aworld, "dept").get(f"/admission/lists/{draft.data['id']}").status == 404  # drafts are the office's
    removed = office.delete(f"/admission/lists/{draft.data['id']}/items/{draft.data['items'][0]['id']}")
    assert removed.status == 204
    too_early = office.post(f"/admission/lists/{draft.data['id']}/publish", {"effective_from": "2025-12-31"})
    assert too_early.status == 422 and too_early.data["extra"]["field"] == "effective_from"
    published = office.post(f"/admission/lists/{draft.data['id']}/publish", {"effective_from": "2027-01-01"})
    assert published.status == 200 and published.data["status"] == "published"
    old = AdmissionList.objects.get(pk=aworld.lists.pk)
    assert old.status == "superseded" and old.effective_to == dt.date(2026, 12, 31)
    before = ApiClient().get("/admission/lists/in-force", district=district.code, date="2026-12-31")
    after = ApiClient().get("/admission/lists/in-force", district=district.code, date="2027-01-01")
    assert before.data["version"] == 1 and after.data["version"] == 2
    assert ApiClient().get("/admission/lists/in-force", district=district.code, date="2025-06-01").status == 404
    assert office.post(f"/admission/lists/{draft.data['id']}/items", {"category": "duty", "name": "x"}).status == 409


def test_reuse_export_through_the_api_is_masked_and_scoped(aworld):
    task = submit(aworld, communities=("A",), data_fields=["name", "id_number", "phone"], collection_only=True)
    dept = api_as(aworld, "dept")
    assert dept.get(f"/admission/tasks/{task.pk}/reuse-export", kind="residents").status == 409
    api_as(aworld, "office").post(f"/admission/tasks/{task.pk}/approve", {"reuse": True})
    answer = dept.client.get(f"/api/admission/tasks/{task.pk}/reuse-export", {"kind": "residents"})
    assert answer.status_code == 200
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "姓名,社区,身份证号,联系电话" and len(lines) == 5
    assert all("********" in line and "甲社区" in line for line in lines[1:])
    assert dept.get(f"/admission/tasks/{task.pk}/reuse-export", kind="houses").status == 422
    assert api_as(aworld, "dept_housing").get(f"/admission/tasks/{task.pk}/reuse-export", kind="residents").status == 404


def test_unadmitted_stamps_plaques_through_the_api(aworld):
    worker = api_as(aworld, "worker_a")
    flag = worker.post("/admission/unadmitted", {"community_id": aworld.nodes["A"].pk, "title": "创卫迎检材料",
                                                 "received_on": timezone.localdate().isoformat(),
                                                 "department_id": aworld.departments["civil"].pk, "forms_demanded": 6})
    assert flag.status == 201 and flag.data["sender"] == "民政局"
    assert worker.post("/admission/unadmitted", {"community_id": aworld.nodes["B"].pk, "title": "x",
                                                 "received_on": timezone.localdate().isoformat(),
                                                 "department_name": "某协会"}).status == 404
    dept = api_as(aworld, "dept")
    assert [r["title"] for r in dept.get("/admission/unadmitted").data["items"]] == ["创卫迎检材料"]
    assert api_as(aworld, "dept_housing").get("/admission/unadmitted").data["items"] == []
    assert api_as(aworld, "worker_b").get("/admission/unadmitted").data["items"] == []
    reviewed = api_as(aworld, "office").post(f"/admission/unadmitted/{flag.data['id']}/review", {"confirm": True})
    assert reviewed.status == 200 and reviewed.data["status"] == "confirmed"
    stamp = worker.post("/admission/stamps", {"community_id": aworld.nodes["A"].pk, "kind": "certificate",
                                              "matter": "无犯罪记录证明"})
    assert stamp.status == 201 and stamp.data["outcome"] == "refused"
    assert StampRecord.objects.get().outcome == "refused"
    plaque = worker.post("/admission/plaques", {"community_id": aworld.nodes["A"].pk, "name": "社区党组织",
                                                "put_up_on": "2020-01-01"})
    assert plaque.status == 201 and plaque.data["allowed"] is True


def test_ledger_and_ranking_endpoints(pinned_now, aworld):
    submit(aworld, communities=("A", "B"))
    office = api_as(aworld, "office")
    ledger = office.get("/admission/ledger")
    assert ledger.status == 200
    rows = {r["name"]: r for r in ledger.data["rows"]}
    assert rows["甲社区"]["admitted"] == 1 and rows["丙村"]["admitted"] == 0
    worker = api_as(aworld, "worker_a")
    assert [r["name"] for r in worker.get("/admission/ledger").data["rows"]] == ["甲社区"]
    assert worker.get("/admission/ledger", node=aworld.nodes["B"].pk).status == 404
    ranking = office.get("/admission/ranking")
    assert ranking.data["rows"][0]["name"] == "民政局" and ranking.data["rows"][0]["admitted"] == 2
    assert api_as(aworld, "grid_a").get("/admission/ledger").status == 403


def test_openapi_lists_the_admission_operations(aworld):
    schema = api_as(aworld, "office").get("/openapi.json").data
    paths = schema["paths"]
    assert "/api/admission/tasks" in paths and "/api/admission/lists/in-force" in paths
    assert paths["/api/admission/lists/in-force"]["get"].get("security") in (None, [])
