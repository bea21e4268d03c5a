"""The pages: the desk, a rating with the step each user may take, the public board with
objections, the resident's survey (linked from the resident home page), the overview with its chart
and Excel export, the cadres' page; scope (404) and role (403) on each."""
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core.models import AuditLog
from shequ.stars import services
from shequ.stars.models import MassVote, Objection, Rating, StarChange

from .factories import ALL, award, rating_of, scores

pytestmark = pytest.mark.django_db


def _as(client, world, name):
    client.force_login(world.users[name])
    return client


def _past():
    return timezone.now() - dt.timedelta(hours=3)


def test_desk_lists_the_users_communities(client, sworld, live_cycle):
    text = _as(client, sworld, "street_s1").get("/stars/").content.decode()
    assert "甲社区党组织" in text and "乙社区党组织" in text and "丙村党组织" not in text
    assert _as(client, sworld, "worker_b").get("/stars/").content.decode().count("党组织</a>") == 1
    assert _as(client, sworld, "resident_a").get("/stars/").status_code == 403
    client.logout()
    assert client.get("/stars/").status_code == 302


def test_township_assesses_on_the_page(client, sworld, live_cycle):
    rating = rating_of(sworld, live_cycle)
    c = _as(client, sworld, "street_s1")
    page = c.get(f"/stars/r/{rating.pk}/").content.decode()
    assert "乡镇考评:逐项评分" in page and "市委审定授星" in page
    data = {f"i{item}": str(points) for star_items in scores(live_cycle, ALL[:7]).values() for item, points in star_items.items()}
    bad = dict(data)
    bad[next(iter(bad))] = "999"
    answer = c.post(f"/stars/r/{rating.pk}/assess/", bad)
    assert answer.status_code == 422 and "得分须在 0 至" in answer.content.decode()
    assert 'value="999"' in answer.content.decode()  # what was typed stays
    assert Rating.objects.get(pk=rating.pk).status == "mass"
    answer = c.post(f"/stars/r/{rating.pk}/assess/", {**data, "note": "台账齐全"})
    assert answer.status_code == 302
    rating.refresh_from_db()
    assert rating.status == "assessed" and rating.rows.filter(proposed=True).count() == 7


def test_review_approve_and_publish_on_pages(client, sworld, live_cycle):
    rating = rating_of(sworld, live_cycle)
    services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=scores(live_cycle), now=_past())
    civility = live_cycle.stars.get(code="civility")
    assert _as(client, sworld, "org_approve").post(f"/stars/r/{rating.pk}/review/", {}).status_code == 403
    c = _as(client, sworld, "org_review")
    assert "市属部门复核验收" in c.get(f"/stars/r/{rating.pk}/").content.decode()
    answer = c.post(f"/stars/r/{rating.pk}/review/", {f"reject_{civility.pk}": "1", f"reason_{civility.pk}": ""})
    assert answer.status_code == 422 and "须说明理由" in answer.content.decode()
    assert c.post(f"/stars/r/{rating.pk}/review/", {f"reject_{civility.pk}": "1",
                                                    f"reason_{civility.pk}": "台账不全"}).status_code == 302
    c = _as(client, sworld, "org_approve")
    assert c.post(f"/stars/r/{rating.pk}/approve/", {"note": "同意"}).status_code == 302
    rating.refresh_from_db()
    assert rating.status == "publicity" and rating.stars_held == 9
    answer = c.post(f"/stars/r/{rating.pk}/publish/")
    assert answer.status_code == 422 and "公示期尚未结束" in answer.content.decode()


def test_return_needs_a_reason(client, sworld, live_cycle):
    rating = rating_of(sworld, live_cycle)
    services.township_assess(actor=sworld.users["street_s1"], rating_id=rating.pk, scores=scores(live_cycle), now=_past())
    c = _as(client, sworld, "org_review")
    assert c.post(f"/stars/r/{rating.pk}/return/", {"return-note": ""}).status_code == 422
    assert c.post(f"/stars/r/{rating.pk}/return/", {"return-note": "佐证不足"}).status_code == 302
    assert Rating.objects.get(pk=rating.pk).status == "returned"


def test_quarterly_check_with_evidence_file_and_decision(client, sworld, live_cycle):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rating = award(sworld, live_cycle, passing=ALL[:8], now=_past())
    organization, safety = live_cycle.stars.get(code="organization"), live_cycle.stars.get(code="safety")
    c = _as(client, sworld, "street_s1")
    answer = c.post(f"/stars/r/{rating.pk}/change/", {"change-kind": "remove", "change-star": organization.pk,
                                                      "change-reason": "未按期召开组织生活会", "change-evidence": "",
                                                      })
    assert answer.status_code == 422
    upload = SimpleUploadedFile("check.pdf", b"%PDF-1.4 check", content_type="application/pdf")
    answer = c.post(f"/stars/r/{rating.pk}/change/", {"change-kind": "remove", "change-star": organization.pk,
                                                      "change-reason": "未按期召开组织生活会", "change-evidence": "核查记录",
                                                      "change-attachment": upload})
    assert answer.status_code == 302
    removal = StarChange.objects.get(rating=rating, kind="remove")
    assert removal.attachment.name.startswith("stars/evidence/")
    assert c.post(f"/stars/r/{rating.pk}/change/", {"change-kind": "add", "change-star": safety.pk,
                                                    "change-reason": "整改到位", "change-evidence": "验收"}).status_code == 302
    proposal = StarChange.objects.get(rating=rating, kind="add")
    assert c.post(f"/stars/r/{rating.pk}/changes/{proposal.pk}/decide/", {f"c{proposal.pk}-approve": "1"}).status_code == 403
    c = _as(client, sworld, "org_approve")
    page = c.get(f"/stars/r/{rating.pk}/").content.decode()
    assert "待审定的增星申请" in page
    assert c.post(f"/stars/r/{rating.pk}/changes/{proposal.pk}/decide/", {f"c{proposal.pk}-approve": "1"}).status_code == 302
    rating.refresh_from_db()
    assert rating.stars_held == 8
    history = c.get(f"/stars/r/{rating.pk}/").content.decode()
    assert "季度核查减星" in history and "市委同意增星" in history
    removal.attachment.delete(save=False)


def test_rating_pages_are_scoped(client, sworld, live_cycle):
    rating_c = rating_of(sworld, live_cycle, "C")
    c = _as(client, sworld, "street_s1")
    assert c.get(f"/stars/r/{rating_c.pk}/").status_code == 404
    data = {f"i{i}": "1" for items in scores(live_cycle).values() for i in items}
    assert c.post(f"/stars/r/{rating_c.pk}/assess/", data).status_code == 404
    assert c.post(f"/stars/r/{rating_c.pk}/change/", {}).status_code == 404
    assert Rating.objects.get(pk=rating_c.pk).status == "mass"
    assert _as(client, sworld, "worker_a").get(f"/stars/r/{rating_of(sworld, live_cycle, 'B').pk}/").status_code == 404


def test_public_board_and_objections(client, sworld, live_cycle):
    rating = award(sworld, live_cycle, passing=ALL[:8], now=_past())
    client.logout()
    page = client.get(f"/stars/board/{sworld.nodes['A'].pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "甲社区党组织" in text and "登录后提出异议" in text
    assert text.count('class="lit"') == 8 and "好" in text
    assert client.get(f"/stars/board/{sworld.nodes['B'].pk}/").status_code == 404  # not awarded: not public
    assert client.post(f"/stars/board/{sworld.nodes['A'].pk}/", {"objection-text": "x"}).status_code == 404
    c = _as(client, sworld, "resident_b")  # another community's resident may read, not object
    assert "提出异议</button>" not in c.get(f"/stars/board/{sworld.nodes['A'].pk}/").content.decode()
    c = _as(client, sworld, "resident_a")
    assert c.post(f"/stars/board/{sworld.nodes['A'].pk}/", {"objection-text": ""}).status_code == 422
    assert c.post(f"/stars/board/{sworld.nodes['A'].pk}/", {"objection-text": "民主管理不公开"}).status_code == 302
    objection = Objection.objects.get(rating=rating)
    c = _as(client, sworld, "street_s1")
    assert "民主管理不公开" in c.get("/stars/").content.decode()
    answer = c.post(f"/stars/r/{rating.pk}/objections/{objection.pk}/answer/",
                    {f"o{objection.pk}-outcome": "dismissed", f"o{objection.pk}-answer": "居务按月公开,有记录"})
    assert answer.status_code == 302
    assert Objection.objects.get(pk=objection.pk).outcome == "dismissed"


def test_resident_survey_from_the_home_page(client, sworld, live_cycle):
    c = _as(client, sworld, "resident_a")
    home = c.get("/").content.decode()
    assert "/stars/rate/" in home
    page = c.get("/stars/rate/").content.decode()
    assert "甲社区党组织" in page and page.count('type="radio"') == 30
    stars = list(live_cycle.stars.all())
    partial = {f"s{s.pk}": "satisfied" for s in stars[:5]}
    assert c.post("/stars/rate/", partial).status_code == 422
    assert not MassVote.objects.exists()
    assert c.post("/stars/rate/", {f"s{s.pk}": "basic" for s in stars}).status_code == 302
    assert "您已参加本年度测评" in c.get("/stars/rate/").content.decode()
    assert _as(client, sworld, "worker_a").get("/stars/rate/").status_code == 403


def test_overview_chart_lists_and_export(client, sworld, live_cycle):
    award(sworld, live_cycle, "A", passing=ALL, now=_past())
    award(sworld, live_cycle, "B", passing=ALL[:5], now=_past())
    c = _as(client, sworld, "leader")
    text = c.get("/stars/overview/").content.decode()
    assert "<svg" in text and "自治区级" in text
    assert text.count('data-list="region"') == 1
    answer = c.get("/stars/overview/export.xlsx")
    assert answer.status_code == 200
    ws = load_workbook(io.BytesIO(answer.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:5] == ("街道/乡镇", "社区/村党组织", "环节", "星数", "等次")
    body = {r[1]: r for r in rows[2:]}
    assert body["甲社区党组织"][3:5] == (10, "好") and body["乙社区党组织"][3:5] == (5, "一般")
    assert body["丙村党组织"][3] is None
    assert AuditLog.objects.filter(verb="stars.exported").count() == 1
    street = _as(client, sworld, "street_s2")
    ws = load_workbook(io.BytesIO(street.get("/stars/overview/export.xlsx").content)).active
    assert [r[1] for r in ws.iter_rows(min_row=3, values_only=True)] == ["丙村党组织"]
    assert _as(client, sworld, "worker_a").get("/stars/overview/export.xlsx").status_code == 403


def test_cadres_page_shows_the_coefficient(client, sworld, live_cycle):
    award(sworld, live_cycle, "A", passing=ALL[:7], now=_past())
    c = _as(client, sworld, "worker_a")
    text = c.get("/stars/cadres/").content.decode()  # one community: chosen by itself
    assert 'data-worker="worker_a"' in text and 'data-worker="worker_a_unmask"' in text
    assert "较好" in text and "1.10" in text
    assert _as(client, sworld, "worker_a").get(f"/stars/cadres/?community={sworld.nodes['B'].pk}").status_code == 404


def test_nav_shows_the_module(client, sworld, live_cycle):
    assert 'href="/stars/"' in _as(client, sworld, "street_s1").get("/").content.decode()
    assert 'href="/stars/rate/"' in _as(client, sworld, "resident_a").get("/").content.decode()


def test_admin_ratings_are_scoped(client, sworld, live_cycle):
    street = sworld.users["street_s1"]
    street.is_staff = True
    street.save(update_fields=["is_staff"])
    c = _as(client, sworld, "street_s1")
    text = c.get("/admin/stars/rating/").content.decode()
    assert "甲社区" in text and "丙村" not in text
    assert c.get(f"/admin/stars/rating/{rating_of(sworld, live_cycle, 'C').pk}/change/").status_code == 302
    assert c.get("/admin/stars/starcycle/").status_code == 403


def test_pages_in_english(client, sworld, live_cycle):
    award(sworld, live_cycle, "A", passing=ALL[:7], now=_past())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get(f"/stars/board/{sworld.nodes['A'].pk}/").content.decode()
    assert "Party organization of 甲社区" in text and "Fairly good" in text and "Five-Good" in text


def test_organization_department_sets_up_a_year_on_its_page(client, sworld):
    assert _as(client, sworld, "street_s1").get("/stars/cycles/new/").status_code == 403
    c = _as(client, sworld, "org_plain")
    assert "设立考评年度" in c.get("/stars/").content.decode()
    data = {"year": 2032, "mass_start": "2032-10-01", "mass_end": "2032-09-01", "publicity_days": 7, "good_min": 8,
            "fair_min": 7, "average_min": 5, "wuhao_min": 7, "city_min": 8, "region_min": 10}
    answer = c.post("/stars/cycles/new/", data)
    assert answer.status_code == 422 and "不能早于开始日期" in answer.content.decode()
    answer = c.post("/stars/cycles/new/", {**data, "mass_end": "2032-10-31"})
    assert answer.status_code == 302 and Rating.objects.filter(cycle__year=2032).count() == 3


def test_the_next_years_form_starts_from_the_latest_year(client, sworld):
    """Setting up a year starts from the latest one: the year after it, its mass assessment a year
    later, its thresholds; before any year, this year and the SPEC defaults."""
    import re

    c = _as(client, sworld, "org_plain")

    def shown(html, name):
        return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)

    first = c.get("/stars/cycles/new/").content.decode()
    assert shown(first, "year") == str(timezone.localdate().year) and shown(first, "good_min") == "8"
    data = {"year": 2032, "mass_start": "2032-02-29", "mass_end": "2032-10-31", "publicity_days": 9, "good_min": 9,
            "fair_min": 7, "average_min": 5, "wuhao_min": 7, "city_min": 8, "region_min": 10}
    assert c.post("/stars/cycles/new/", data).status_code == 302
    form = c.get("/stars/cycles/new/").content.decode()
    assert (shown(form, "year"), shown(form, "mass_start"), shown(form, "mass_end")) == ("2033", "2033-02-28", "2033-10-31")
    assert shown(form, "publicity_days") == "9" and shown(form, "good_min") == "9"
