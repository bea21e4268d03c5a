"""Agency pages: list, new case with the resident picked by search (masked), detail with the step
checklist and actions, trips, visits, the grid worker's visits, the measures page with its SVG
chart, the resident's own cases; scope (404), role (403), refusals shown and nothing written."""
import datetime as dt

import pytest
from django.urls import reverse

from shequ.agency import services
from shequ.agency.models import AgencyCase, CaseStep, Trip, Visit
from shequ.core.models import AuditLog

from .factories import ensure_matters, finish_steps, open_case


@pytest.fixture
def as_user(client, world):
    def _as(username):
        client.force_login(world.users[username])
        return client

    return _as


@pytest.fixture
def case_a(world):
    return open_case(world)


def _state(case):
    case.refresh_from_db()
    return (case.status, case.trip_count, CaseStep.objects.filter(case=case).exclude(status="pending").count(),
            Visit.objects.count(), AuditLog.objects.count())


def test_list_and_detail_for_a_community_worker(as_user, world, case_a):
    client = as_user("worker_a")
    listing = client.get(reverse("agency:list"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert case_a.number in body and "高龄津贴" in body and 'href="/agency/"' in body  # nav link
    resident = world.residents["A101h"]
    assert resident.id_number not in body and resident.id_number[:6] in body  # masked, prefix shown
    detail = client.get(reverse("agency:detail", args=[case_a.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200
    for label in ("受理登记", "材料收齐", "送审(街道)", "审批", "结果送达", "完成此步", "材料清单", "记录居民跑腿", "派上门服务"):
        assert label in text
    assert resident.id_number not in text and resident.phone not in text


def test_list_filters_and_paging_params(pinned_now, as_user, world, case_a):
    client = as_user("office")
    other = open_case(world, actor="worker_b", resident="B101h", code="residence_cert")
    by_matter = client.get(reverse("agency:list"), {"matter": "residence_cert"}).content.decode()
    assert other.number in by_matter and case_a.number not in by_matter
    assert case_a.number in client.get(reverse("agency:list"), {"number": case_a.number}).content.decode()
    assert "DB-" not in client.get(reverse("agency:list"), {"status": "completed"}).content.decode()
    assert "DB-" not in client.get(reverse("agency:list"), {"overdue": "on"}).content.decode()
    assert client.get(reverse("agency:list"), {"status": "bogus", "page": "x"}).status_code == 200


def test_new_case_picks_the_resident_by_search_in_scope(as_user, world):
    ensure_matters()
    client = as_user("worker_a")
    resident = world.residents["A102h"]
    found = client.get(reverse("agency:create"), {"q": "甲社区102"}).content.decode()
    assert resident.name in found and resident.id_number not in found and "****" in found
    assert world.residents["B101h"].name not in client.get(reverse("agency:create"), {"q": "乙社区"}).content.decode()
    response = client.post(reverse("agency:create") + "?q=甲社区102", {
        "resident": resident.pk, "matter": "disability_card", "agent": world.users["grid_a"].pk, "note": "行动不便"})
    case = AgencyCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("agency:detail", args=[case.pk])
    assert case.resident == resident and case.agent == world.users["grid_a"] and case.steps.count() == 6
    # another community's resident: 404, nothing written
    assert client.post(reverse("agency:create"), {"resident": world.residents["B101h"].pk,
                                                  "matter": "disability_card"}).status_code == 404
    bad = client.post(reverse("agency:create"), {"resident": resident.pk, "matter": "disability_card",
                                                 "appeal_number": "SQ-NOPE"})
    assert bad.status_code == 200 and "找不到该诉求编号" in bad.content.decode()
    assert AgencyCase.objects.count() == 1


def test_step_actions_in_order_with_refusals_shown(as_user, world, case_a):
    client = as_user("worker_a")
    steps = list(case_a.steps.order_by("order"))
    url = reverse("agency:action", args=[case_a.pk, "step"])
    before = _state(case_a)
    early = client.post(url, {"step-step": steps[2].pk, "step-skip": "0"})
    assert early.status_code == 422 and "请先完成前面的步骤" in early.content.decode()
    no_reason = client.post(url, {"step-step": steps[0].pk, "step-skip": "1", "step-note": ""})
    assert no_reason.status_code == 422 and "跳过步骤须说明理由" in no_reason.content.decode()
    assert _state(case_a) == before
    assert client.post(url, {"step-step": steps[0].pk, "step-skip": "0", "step-note": "窗口受理"}).status_code == 302
    assert client.post(url, {"step-step": steps[1].pk, "step-skip": "1", "step-note": "已网上核验"}).status_code == 302
    assert list(case_a.steps.order_by("order").values_list("status", flat=True)[:3]) == ["done", "skipped", "pending"]
    text = client.get(reverse("agency:detail", args=[case_a.pk])).content.decode()
    assert "窗口受理" in text and "已网上核验" in text


def test_trip_materials_visit_and_complete(as_user, world, case_a):
    client = as_user("worker_a")
    action = lambda name: reverse("agency:action", args=[case_a.pk, name])  # noqa: E731
    assert client.post(action("trip"), {"trip-reason": "本人到场签字"}).status_code == 302
    assert client.post(action("trip"), {"trip-reason": ""}).status_code == 422
    assert client.post(action("materials"), {"materials-received": ["身份证", "户口簿"]}).status_code == 302
    assert client.post(action("materials"), {"materials-received": ["护照"]}).status_code == 422
    assert client.post(action("visit"), {"visit-kind": "agency", "visit-purpose": "上门取银行卡复印件"}).status_code == 302
    visit = Visit.objects.get()
    assert visit.assignee == world.users["grid_a"] and visit.case == case_a
    early = client.post(action("complete"), {"complete-delivery": "door", "complete-result": "已批准"})
    assert early.status_code == 422 and "还有步骤未完成" in early.content.decode()
    finish_steps(world, case_a)
    assert client.post(action("complete"), {"complete-delivery": "collected", "complete-result": "已批准"}).status_code == 302
    case_a.refresh_from_db()
    assert (case_a.status, case_a.trip_count, case_a.materials_received) == ("completed", 2, ["身份证", "户口簿"])
    text = client.get(reverse("agency:detail", args=[case_a.pk])).content.decode()
    assert "领取办理结果" in text and "本人到场签字" in text and "完成此步" not in text
    assert client.post(action("cancel"), {"cancel-reason": "x"}).status_code == 422  # 409 shown on the page


def test_other_community_404_and_wrong_role_403(as_user, world, case_a):
    before = _state(case_a)
    step = case_a.steps.order_by("order").first()
    other = as_user("worker_b")
    assert other.get(reverse("agency:detail", args=[case_a.pk])).status_code == 404
    assert other.post(reverse("agency:action", args=[case_a.pk, "step"]), {"step-step": step.pk, "step-skip": "0"}).status_code == 404
    assert other.post(reverse("agency:action", args=[case_a.pk, "trip"]), {"trip-reason": "x"}).status_code == 404
    assert case_a.number not in other.get(reverse("agency:list")).content.decode()
    leader = as_user("leader")
    assert leader.get(reverse("agency:detail", args=[case_a.pk])).status_code == 200
    assert "完成此步" not in leader.get(reverse("agency:detail", args=[case_a.pk])).content.decode()
    assert leader.post(reverse("agency:action", args=[case_a.pk, "trip"]), {"trip-reason": "x"}).status_code == 403
    assert leader.get(reverse("agency:create")).status_code == 403
    resident = as_user("resident_a")
    assert resident.get(reverse("agency:list")).status_code == 403
    assert resident.get(reverse("agency:detail", args=[case_a.pk])).status_code == 403
    assert resident.post(reverse("agency:action", args=[case_a.pk, "trip"]), {"trip-reason": "x"}).status_code == 403
    assert resident.get(reverse("agency:visits")).status_code == 403
    assert as_user("dept").get(reverse("agency:list")).status_code == 403
    assert _state(case_a) == before and not Trip.objects.exists()


def test_resident_sees_own_cases_read_only_and_not_another(as_user, world, case_a):
    housemate = open_case(world, resident="A101s", code="residence_cert")
    neighbour = open_case(world, resident="A102h", code="residence_cert")
    client = as_user("resident_a")
    listing = client.get(reverse("agency:mine"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert case_a.number in body and housemate.number not in body and neighbour.number not in body
    assert 'href="/agency/mine/"' in body  # the resident's nav entry
    detail = client.get(reverse("agency:mine_detail", args=[case_a.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200 and "受理登记" in text and "结果送达" in text
    assert "<form" not in text.split('id="main"')[1].split("</main>")[0]  # read-only: no form in the page body
    assert client.get(reverse("agency:mine_detail", args=[housemate.pk])).status_code == 404
    assert client.get(reverse("agency:mine_detail", args=[neighbour.pk])).status_code == 404
    assert as_user("worker_a").get(reverse("agency:mine")).status_code == 403


def test_my_visits_for_the_grid_worker_and_recording(as_user, world):
    worker = world.users["worker_a"]
    mine = services.visit_request(actor=worker, resident_id=world.residents["A101h"].pk, kind="elderly_alone",
                                  purpose="独居老人探访")
    services.visit_request(actor=world.users["worker_b"], resident_id=world.residents["B101h"].pk, kind="disabled",
                           purpose="乙社区走访")
    client = as_user("grid_a")
    page = client.get(reverse("agency:visits"))
    text = page.content.decode()
    assert page.status_code == 200 and "独居老人探访" in text and "乙社区走访" not in text and "记录上门" in text
    assert world.residents["A101h"].id_number not in text
    detail = client.get(reverse("agency:visit_detail", args=[mine.pk])).content.decode()
    assert "派至甲社区第1网格网格员grid_a" in detail
    url = reverse("agency:visit_action", args=[mine.pk, "record"])
    assert client.post(url, {"record-outcome": "", "record-solved_at_door": "1"}).status_code == 422
    assert client.post(url, {"record-outcome": "已代为缴费", "record-solved_at_door": "1"}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == "done" and mine.solved_at_door is True and mine.recorded_by == world.users["grid_a"]
    assert as_user("worker_b").get(reverse("agency:visit_detail", args=[mine.pk])).status_code == 404
    assert as_user("leader").post(url, {"record-outcome": "x", "record-solved_at_door": "1"}).status_code == 403


def test_overdue_visits_listed(as_user, world):
    from shequ.appeals.tests.factories import THURSDAY_10

    services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A101h"].pk, kind="other",
                           purpose="早已到期的走访", now=THURSDAY_10 - dt.timedelta(days=30))
    services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A102h"].pk, kind="other",
                           purpose="明年的走访", due_at=THURSDAY_10 + dt.timedelta(days=400), now=THURSDAY_10)
    text = as_user("worker_a").get(reverse("agency:visits"), {"show": "overdue"}).content.decode()
    assert "早已到期的走访" in text and "明年的走访" not in text and "已超时" in text


def test_new_visit_on_its_own_falls_back_to_the_community(as_user, world):
    client = as_user("worker_b")
    resident = world.residents["B102h"]
    assert resident.name in client.get(reverse("agency:visit_create"), {"q": resident.name}).content.decode()
    response = client.post(reverse("agency:visit_create"), {"resident": resident.pk, "kind": "elderly_alone",
                                                            "purpose": "空巢老人探访"})
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.assignee is None and visit.assigned_node == world.nodes["B"]
    assert "暂无网格员" in client.get(response["Location"]).content.decode()
    assert client.post(reverse("agency:visit_create"), {"resident": resident.pk, "kind": "elderly_alone",
                                                        "purpose": " "}).status_code == 200
    assert Visit.objects.count() == 1


def test_measures_page_with_chart(as_user, world):
    from shequ.appeals.tests.factories import THURSDAY_10

    case = open_case(world, code="residence_cert", now=THURSDAY_10)
    finish_steps(world, case, now=THURSDAY_10)
    services.case_complete(actor=world.users["worker_a"], case_id=case.pk, delivery="door", result="已出具",
                           now=THURSDAY_10 + dt.timedelta(hours=2))
    client = as_user("street_s1")
    page = client.get(reverse("agency:measures"), {"group": "community", "start": "2026-11-01", "end": "2026-11-30"})
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and "<rect" in text and "甲社区" in text
    assert "100.0%" in text  # one case, no trip, on time
    bad = client.get(reverse("agency:measures"), {"group": "community", "start": "2026-11-30", "end": "2026-11-01"})
    assert bad.status_code == 200 and "期末不能早于期初" in bad.content.decode()
    assert client.get(reverse("agency:measures")).status_code == 200  # default period
    assert as_user("resident_a").get(reverse("agency:measures")).status_code == 403


def test_pages_in_english(as_user, world, case_a):
    client = as_user("grid_a")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("agency:detail", args=[case_a.pk])).content.decode()
    assert "Deliver the result and close" in text and "Resident trips" in text
    assert ">Agency<" in text and ">Visits<" in text  # the nav entries
    visits = client.get(reverse("agency:visits")).content.decode()
    assert "My visits" in visits and "Overdue" in visits


def test_lists_take_a_fixed_number_of_queries(as_user, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user("worker_a")

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    def grow():
        for resident in ("A101h", "A101s", "A102h"):
            open_case(world, resident=resident)
            services.visit_request(actor=world.users["worker_a"], resident_id=world.residents[resident].pk,
                                   kind="other", purpose="走访")

    grow()
    before = (count(reverse("agency:list")), count(reverse("agency:visits") + "?show=all"))
    grow()
    assert (count(reverse("agency:list")), count(reverse("agency:visits") + "?show=all")) == before
