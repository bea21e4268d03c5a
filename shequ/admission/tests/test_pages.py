"""Pages per role: department filing, office deciding and editing lists, community work, the
public list, the ledger; scope through pages and admin (404 outside, 403 for a wrong role)."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shequ.admission.models import AdmissionList, Assignment, Category, StampRecord, UnadmittedReport, WorkTask

from .factories import item, off_list, submit

pytestmark = pytest.mark.django_db


def _as(world, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


@pytest.mark.parametrize("username", ["dept", "office", "worker_a", "grid_a", "street_s1", "leader"])
def test_every_page_opens_for_every_role_that_may_see_it(aworld, username):
    task = submit(aworld, communities=("A",))
    client = _as(aworld, username)
    for url in ("/admission/", "/admission/lists/", f"/admission/lists/{aworld.lists.pk}/", "/admission/tasks/",
                "/admission/work/", "/admission/unadmitted/", "/admission/stamps/", "/admission/plaques/"):
        assert client.get(url).status_code == 200, url
    ledger = client.get("/admission/ledger/")
    assert ledger.status_code == (403 if username == "grid_a" else 200)
    detail = client.get(f"/admission/tasks/{task.pk}/")
    assert detail.status_code == (404 if username == "grid_a" else 200)  # not forwarded to the grid yet


def test_a_resident_and_anonymous_users_are_kept_out(aworld):
    assert _as(aworld, "resident_a").get("/admission/").status_code == 403
    assert Client().get("/admission/").status_code == 302


def test_the_public_list_needs_no_login(aworld):
    page = Client().get(f"/admission/public/{aworld.nodes['district'].code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "依法履行职责事项" in text and "社区居务监督委员会" in text and "系统默认清单" in text
    assert Client().get("/admission/public/999999/").status_code == 404
    old = Client().get(f"/admission/public/{aworld.nodes['district'].code}/?date=2025-01-01")
    assert "该日没有施行的准入清单" in old.content.decode()


def test_a_department_files_a_request_on_the_page(aworld):
    client = _as(aworld, "dept")
    form = client.get("/admission/tasks/new/")
    assert form.status_code == 200 and "清单外事项" in form.content.decode()
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    refused = client.post("/admission/tasks/new/", {
        "title": "协助低保核查", "description": "入户核查", "duty_class": "assisting",
        "list_item": item(aworld, Category.ASSISTING).pk, "funding_mode": "none", "deadline": deadline,
        "ledgers_demanded": 0, "forms_demanded": 0})
    assert refused.status_code == 200 and "费随事转" in refused.content.decode()
    assert not WorkTask.objects.exists()
    ok = client.post("/admission/tasks/new/", {
        "title": "协助低保核查", "description": "入户核查", "duty_class": "assisting",
        "list_item": item(aworld, Category.ASSISTING).pk, "funding_mode": "per_community", "funding_amount": "800",
        "deadline": deadline, "communities": [aworld.nodes["A"].pk], "ledgers_demanded": 1, "forms_demanded": 2})
    task = WorkTask.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/admission/tasks/{task.pk}/"
    assert task.status == "dispatched" and Assignment.objects.get(task=task).node == aworld.nodes["A"]
    assert _as(aworld, "worker_a").get("/admission/tasks/new/").status_code == 403


def test_the_office_decides_on_the_page(aworld):
    task = off_list(aworld)
    office = _as(aworld, "office")
    page = office.get(f"/admission/tasks/{task.pk}/")
    assert "提交决定" in page.content.decode()
    assert "提交决定" not in _as(aworld, "dept").get(f"/admission/tasks/{task.pk}/").content.decode()
    missing = office.post(f"/admission/tasks/{task.pk}/decide/", {"decision": "reject", "reason": ""})
    assert missing.status_code == 200 and "请填写理由" in missing.content.decode()
    done = office.post(f"/admission/tasks/{task.pk}/decide/", {"decision": "approve", "reason": "同意", "reuse": "on"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == "dispatched"
    assert _as(aworld, "dept").post(f"/admission/tasks/{task.pk}/decide/", {"decision": "approve"}).status_code == 403


def test_a_community_cannot_open_another_communitys_task_pages(aworld):
    task = submit(aworld, communities=("B",))
    row = Assignment.objects.get(task=task)
    worker_a = _as(aworld, "worker_a")
    assert worker_a.get(f"/admission/tasks/{task.pk}/").status_code == 404
    assert worker_a.get(f"/admission/work/{row.pk}/").status_code == 404
    assert worker_a.post(f"/admission/work/{row.pk}/complete/", {"result": "x"}).status_code == 404
    assert task.title not in worker_a.get("/admission/tasks/").content.decode()
    assert task.title in _as(aworld, "worker_b").get("/admission/tasks/").content.decode()


def test_a_community_forwards_and_completes_on_the_page(pinned_now, aworld):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = submit(aworld)
    row = Assignment.objects.get(task=task)
    worker = _as(aworld, "worker_a")
    page = worker.get(f"/admission/work/{row.pk}/")
    assert "转派网格" in page.content.decode() and "甲社区第1网格" in page.content.decode()
    assert worker.post(f"/admission/work/{row.pk}/forward/", {"grids": [aworld.nodes["A_grid"].pk]}).status_code == 302
    pdf = SimpleUploadedFile("台账.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    done = worker.post(f"/admission/work/{row.pk}/complete/", {"result": "已完成", "files": [pdf]})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.status == "completed" and row.files.get().name == "台账.pdf"


def test_the_office_edits_and_publishes_a_new_version(aworld):
    office = _as(aworld, "office")
    new = office.post(f"/admission/lists/{aworld.lists.pk}/new-version/")
    draft = AdmissionList.objects.get(status="draft")
    assert new.status_code == 302 and new["Location"] == f"/admission/lists/{draft.pk}/"
    assert office.post(f"/admission/lists/{draft.pk}/add/", {"category": "plaque", "name": "新时代文明实践站"}).status_code == 302
    assert draft.items.filter(category="plaque").count() == 4
    first = draft.items.filter(category="duty").first()
    office.post(f"/admission/lists/{draft.pk}/change/", {"item": first.pk, "name": "宣传宪法和法律法规", "legal_basis": ""})
    first.refresh_from_db()
    assert first.name == "宣传宪法和法律法规"
    published = office.post(f"/admission/lists/{draft.pk}/publish/", {"effective_from": "2027-01-01"})
    assert published.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert _as(aworld, "dept").post(f"/admission/lists/{draft.pk}/new-version/").status_code == 403


def test_flags_stamps_and_plaques_on_the_pages(aworld):
    worker = _as(aworld, "worker_a")
    flagged = worker.post("/admission/unadmitted/", {
        "community": aworld.nodes["A"].pk, "title": "填报消防台账", "department": aworld.departments["housing"].pk,
        "received_on": timezone.localdate().isoformat(), "channel": "chat", "ledgers_demanded": 2, "forms_demanded": 1})
    assert flagged.status_code == 302 and UnadmittedReport.objects.get().title == "填报消防台账"
    report = UnadmittedReport.objects.get()
    assert _as(aworld, "office").post(f"/admission/unadmitted/{report.pk}/review/", {"confirm": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "confirmed"
    stamped = worker.post("/admission/stamps/", {"community": aworld.nodes["A"].pk, "kind": "certificate",
                                                 "matter": "亲属关系证明"})
    assert stamped.status_code == 302 and StampRecord.objects.get().outcome == "refused"
    assert "清单外,已拒绝" in worker.get("/admission/stamps/").content.decode()
    plaque = worker.post("/admission/plaques/", {"community": aworld.nodes["A"].pk, "name": "计生协会",
                                                 "put_up_on": "2024-01-01"})
    assert plaque.status_code == 302
    assert "清单外" in worker.get("/admission/plaques/").content.decode()
    assert "计生协会" not in _as(aworld, "worker_b").get("/admission/plaques/").content.decode()


def test_the_ledger_page_has_charts(aworld):
    submit(aworld, communities=("A", "B"), ledgers_demanded=16)
    page = _as(aworld, "office").get("/admission/ledger/")
    text = page.content.decode()
    assert page.status_code == 200 and text.count("<svg") == 2 and "负担指数 =" in text


def test_the_admin_is_scoped(aworld):
    from shequ.accounts.models import User

    task = submit(aworld, communities=("B",))
    row = Assignment.objects.get(task=task)
    worker = User.objects.get(username="worker_a")
    worker.is_staff = True
    worker.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(worker)
    assert client.get(f"/admin/admission/assignment/{row.pk}/change/").status_code in (302, 404)
    listing = client.get("/admin/admission/assignment/")
    assert listing.status_code == 200 and task.title not in listing.content.decode()


def test_the_pages_speak_english(aworld):
    client = _as(aworld, "office")
    client.post("/i18n/setlang/", {"language": "en", "next": "/admission/ledger/"})
    text = client.get("/admission/ledger/").content.decode()
    assert "Community burden ledger" in text and "Departments ranked by the burden they push" in text


def test_the_office_installs_the_defaults_on_the_page(world):
    office = _as(world, "office")
    listing = office.get("/admission/lists/")
    assert "安装默认清单" in listing.content.decode()
    done = office.post(f"/admission/lists/{world.nodes['district'].pk}/defaults/")
    made = AdmissionList.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/admission/lists/{made.pk}/"
    assert made.is_default and made.items.count() == 58
    again = office.post(f"/admission/lists/{world.nodes['district'].pk}/defaults/", follow=True)
    assert "本区已有准入清单" in again.content.decode() and AdmissionList.objects.count() == 1
    assert _as(world, "dept").post(f"/admission/lists/{world.nodes['district'].pk}/defaults/").status_code == 403
