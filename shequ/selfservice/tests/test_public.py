"""The public page of anonymized appeals: no login, filters and paging, and no personal data in the
HTML for any filter combination — names, phones, ID numbers (nor their masked forms), descriptions,
addresses and coordinates never appear."""
import datetime as dt
import itertools
import re

import pytest

from shequ.appeals import services
from shequ.appeals.models import Appeal
from shequ.appeals.tests.factories import POINT_IN, submit
from django.utils import timezone

from shequ.core.idcard import make_id_number, mask_id_number, mask_phone

URL = "/public/appeals/"
NAME = "欧阳娜娜"
PHONE = "13987654321"
ID_NUMBER = make_id_number("110105", dt.date(1985, 3, 7), 41)
ADDRESS = "甲社区路10号3单元502室"


def _personal_texts(appeals) -> list[str]:
    texts = [NAME, PHONE, ID_NUMBER, ADDRESS, mask_phone(PHONE), mask_id_number(ID_NUMBER), NAME[:1] + "***",
             PHONE[-4:] + "<", ID_NUMBER[-4:] + "<", "身份证", "张小燕", "15011112222"]
    for appeal in appeals:
        texts += [appeal.description[:8], f"{appeal.lng}", f"{appeal.lat}"]
    return texts


@pytest.fixture
def appeals(world):
    """Appeals in communities A, B and C whose free text and requester fields carry personal data."""
    made = []
    for at, code in (("A", "noise_neighbor"), ("B", "subsistence_allowance"), ("C", "noise_neighbor")):
        lng, lat = POINT_IN[at]
        made.append(submit(
            at=at, code=code, lng=lng, lat=lat, channel="web", requester_name=NAME, requester_phone=PHONE, address_text=ADDRESS,
            description=f"我是{NAME},身份证{ID_NUMBER},电话{PHONE},邻居张小燕(15011112222)每晚吵闹"))
    worker = world.users["worker_a"]
    services.appeal_accept(actor=worker, appeal_id=made[0].pk)
    services.appeal_start(actor=worker, appeal_id=made[0].pk)
    services.appeal_reply(actor=worker, appeal_id=made[0].pk, reply=f"已联系{NAME}({PHONE})处理")
    return [Appeal.objects.get(pk=a.pk) for a in made]


def test_public_page_needs_no_login_and_lists_the_basics(pinned_now, client, world, appeals):
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    for appeal in appeals:
        assert appeal.number in text
    for words in ("邻里噪声", "一街道", "甲社区", "乙社区", "已答复", "按时办结", "办理中", "受理日期"):
        assert words in text


@pytest.mark.parametrize("combo", range(0, 6))
def test_no_personal_data_for_any_filter_combination(client, world, appeals, combo):
    n = world.nodes
    values = {
        "street": ["", str(n["S1"].pk), str(n["S2"].pk)],
        "community": ["", str(n["A"].pk), str(n["C"].pk)],
        "category": ["", "noise_neighbor", "subsistence_allowance"],
        "status": ["", "replied", "received"],
        "month": ["", "2026-11", "2026-10"],
    }
    secrets = _personal_texts(appeals)
    # Every combination, split into six runs so a failure names a smaller slice.
    combos = list(itertools.product(*values.values()))
    for choice in combos[combo::6]:
        params = {k: v for k, v in zip(values, choice) if v}
        response = client.get(URL, params)
        assert response.status_code == 200
        text = response.content.decode()
        for secret in secrets:
            assert secret not in text, (params, secret)


def test_filters_select_the_right_rows(client, world, appeals):
    n = world.nodes
    a, b, c = appeals

    def numbers(**params):
        text = client.get(URL, params).content.decode()
        return {x.number for x in appeals if x.number in text}

    assert numbers(street=n["S1"].pk) == {a.number, b.number}
    assert numbers(community=n["C"].pk) == {c.number}
    assert numbers(category="subsistence_allowance") == {b.number}
    assert numbers(status="replied") == {a.number}
    assert numbers(month="2026-11") == {a.number, b.number, c.number}
    assert numbers(month="2026-10") == set()
    assert numbers(month="not-a-month", page="x") == {a.number, b.number, c.number}  # bad filters are ignored


def test_paging(client, world, appeals, settings):
    from shequ.web import paging

    first = client.get(URL, {"page": 1}).content.decode()
    assert "第 1–3 条,共 3 条" in first
    assert paging.PER_PAGE >= 3


def test_public_map_counts_appeals_per_grid_without_points(client, world):
    """The map shades each grid by its number of appeals in the last 30 days; no coordinates leak."""
    from shequ.appeals.tests.factories import submit

    submit(at="A", now=timezone.now() - dt.timedelta(days=2))
    submit(at="A", now=timezone.now() - dt.timedelta(days=3))
    submit(at="B", now=timezone.now() - dt.timedelta(days=1))
    submit(at="C", now=timezone.now() - dt.timedelta(days=40))  # older than the map's 30 days
    html = client.get(URL).content.decode()
    assert "<svg" in html
    assert f"<title>{world.nodes['A_grid'].name}: 2</title>" in html
    assert f"<title>{world.nodes['B_grid'].name}: 1</title>" in html
    assert f"<title>{world.nodes['C_grid'].name}: 0</title>" in html
    outside_map = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert "116.2" not in outside_map and "39.2" not in outside_map  # the appeals' points are never sent
    assert html.count("<path") == 3  # one shape per grid, no marker per appeal


def test_public_map_counts_are_kept_a_short_while_per_filter(client, world, settings):
    """With SHEQU_PUBLIC_CACHE_SECONDS on, the map's counts are counted once per filter and shown
    again to the next visitors (a new appeal appears after the seconds); another filter counts anew."""
    from django.core.cache import cache

    from shequ.appeals.tests.factories import submit

    settings.SHEQU_PUBLIC_CACHE_SECONDS = 60
    cache.clear()
    grid = world.nodes["A_grid"].name
    submit(at="A", now=timezone.now() - dt.timedelta(days=2))
    assert f"<title>{grid}: 1</title>" in client.get(URL).content.decode()
    submit(at="A", now=timezone.now() - dt.timedelta(days=1))
    assert f"<title>{grid}: 1</title>" in client.get(URL).content.decode()  # kept: not counted again
    assert f"<title>{grid}: 2</title>" in client.get(URL, {"status": "received"}).content.decode()  # its own count
    cache.clear()  # as when the seconds are over
    assert f"<title>{grid}: 2</title>" in client.get(URL).content.decode()
    settings.SHEQU_PUBLIC_CACHE_SECONDS = 0
    submit(at="A", now=timezone.now())
    assert f"<title>{grid}: 3</title>" in client.get(URL).content.decode()


def test_public_map_heading_in_english_and_its_total_grouped(client, world, monkeypatch):
    """The map's heading is translated like the rest of the page, and a district's total reads
    356,843 (not 356843 件 on an English page)."""
    from shequ.selfservice import views

    submit_count = {world.nodes["A_grid"].pk: 356_842, world.nodes["B_grid"].pk: 1}
    real = views.selectors.public_map
    monkeypatch.setattr(views.selectors, "public_map", lambda **kw: (real(**kw)[0], submit_count))
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Where the appeals are" in english and "last 30 days · 356,843 appeals" in english
    assert "诉求分布" not in english and "件" not in english.split("Where the appeals are")[1].split("</h2>")[0]
    chinese = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "诉求分布" in chinese and "近30天 · 356,843 件" in chinese
