"""The three rates page (/appeals/rates/) and its Excel export against the hand counts of
test_metrics' fixture (November 2026): S1 response 3/5, resolution 3/4, satisfaction 3/4, score 65,
on time 3/5, composite 70.5; S2 2/2, 1/2, 1/2, 30, 2/2, 65."""
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequ.appeals.models import RateSettings
from shequ.core.models import AuditLog
from shequ.web.charts import bar_chart, line_chart

from .test_metrics import fixture  # noqa: F401  (the shared fixture of hand-counted appeals)

NOV = {"start": "2026-11-01", "end": "2026-11-30"}


class _Table(HTMLParser):
    """The rate table's rows as {name: {data-field: text}}."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.field, self.depth = [], None, None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-key" in attrs:
            self.row = {}
        elif tag == "td" and self.row is not None:
            self.field = attrs.get("data-field")
            self.row[self.field] = ""
        elif tag == "span" and self.field:
            self.row[self.field] += " "

    def handle_endtag(self, tag):
        if tag == "td":
            self.field = None
        elif tag == "tr" and self.row is not None:
            self.rows.append({k: v.strip() for k, v in self.row.items()})
            self.row = None

    def handle_data(self, data):
        if self.row is not None and self.field:
            self.row[self.field] += data


def _table(response) -> list[dict]:
    parser = _Table()
    parser.feed(response.content.decode())
    return parser.rows


@pytest.fixture
def page_as(client, world):
    def get(username, **params):
        client.force_login(world.users[username])
        return client.get(reverse("appeals:rates"), params)

    return get


def test_street_figures_equal_the_hand_counts(page_as, fixture):  # noqa: F811
    RateSettings.objects.create(min_volume=2)
    response = page_as("office", group="street", **NOV)
    assert response.status_code == 200
    rows = _table(response)
    assert [(r["rank"], r["name"]) for r in rows] == [("1", "一街道"), ("2", "二乡")]
    s1, s2 = rows
    assert (s1["response_rate"], s1["resolution_rate"], s1["satisfaction_rate"]) == ("60.0% 3/5", "75.0% 3/4", "75.0% 3/4")
    assert (s1["satisfaction_score"], s1["on_time_rate"], s1["composite"]) == ("65.0", "60.0% 3/5", "70.5")
    assert (s1["response_due"], s1["evaluated"]) == ("5", "4")
    assert (s2["response_rate"], s2["resolution_rate"], s2["satisfaction_score"], s2["composite"]) == (
        "100.0% 2/2", "50.0% 1/2", "30.0", "65.0")
    text = response.content.decode()
    assert "均不少于 2 件的单位才参与排名" in text  # the minimum-volume rule is visible
    # the composite bar chart: one bar per unit, widths proportional to the score (plot width 254 on 0–100)
    widths = re.findall(r'<rect x="110" y="\d+" width="([\d.]+)"', text)
    assert widths == [f"{254 * 0.705:.1f}", f"{254 * 0.65:.1f}"]
    assert "<title>一街道: 70.5</title>" in text and "三率按月" in text


def test_below_the_minimum_volume_is_shown_unranked(page_as, fixture):  # noqa: F811
    RateSettings.objects.create(min_volume=3)
    rows = _table(page_as("office", group="street", **NOV))
    assert [(r["name"], r["rank"]) for r in rows] == [("一街道", "1"), ("二乡", "件数不足")]


def test_sorting_by_a_column(page_as, fixture):  # noqa: F811
    asc = _table(page_as("office", group="community", sort="response_rate", dir="asc", **NOV))
    # 甲社区 2/4, 乙社区 1/1, 丙村 2/2
    assert [r["name"] for r in asc][0] == "甲社区"
    desc = _table(page_as("office", group="community", sort="resolution_rate", dir="desc", **NOV))
    # resolution: 甲 2/3, 乙 1/1, 丙 1/2
    assert [r["name"] for r in desc] == ["乙社区", "甲社区", "丙村"]


def test_every_dimension_renders(page_as, fixture):  # noqa: F811
    months = page_as("office", group="month", start="2026-10-01", end="2026-11-30")
    assert [r["name"] for r in _table(months)] == ["2026-10", "2026-11"]
    assert "<polyline" in months.content.decode()  # the month line chart of the three rates
    assert [r["name"] for r in _table(page_as("office", group="department", **NOV))] == ["民政局"]
    assert [r["name"] for r in _table(page_as("office", group="category", **NOV))] == ["邻里噪声"]
    bad = page_as("office", group="street", start="2026-11-30", end="2026-11-01")
    assert bad.status_code == 200 and "统计期末不能早于期初" in bad.content.decode()


def test_out_of_scope_rows_are_absent(page_as, fixture):  # noqa: F811
    street = _table(page_as("street_s1", group="community", **NOV))
    assert [r["name"] for r in street] == ["甲社区", "乙社区"]  # not 丙村 (S2)
    worker_b = page_as("worker_b", group="street", **NOV)
    assert [(r["name"], r["response_due"]) for r in _table(worker_b)] == [("一街道", "1")]
    assert "二乡" not in worker_b.content.decode()


def test_wrong_role_gets_403(page_as, client, fixture):  # noqa: F811
    assert page_as("resident_a", **NOV).status_code == 403
    assert client.get(reverse("appeals:rates_export"), NOV).status_code == 403
    client.logout()
    assert client.get(reverse("appeals:rates"), NOV).status_code == 302


def test_excel_matches_the_page(page_as, client, world, fixture):  # noqa: F811
    RateSettings.objects.create(min_volume=3)
    params = {"group": "street", "sort": "composite", "dir": "asc", **NOV}
    rows = _table(page_as("office", **params))
    response = client.get(reverse("appeals:rates_export"), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[2][:4] == ("排名", "名称", "响应率(%)", "解决率(%)")
    data = values[3:]
    assert [(r[0], r[1]) for r in data] == [("不参与排名", "二乡"), (1, "一街道")]
    for page_row, xlsx_row in zip(rows, data):
        assert page_row["name"] == xlsx_row[1]
        assert page_row["response_rate"].split("%")[0] == f"{xlsx_row[2]:.1f}"
        assert page_row["composite"] == f"{xlsx_row[7]:.1f}"
        assert page_row["response_due"] == str(xlsx_row[8]) and page_row["evaluated"] == str(xlsx_row[9])
    assert AuditLog.objects.filter(verb="appeals.rates_exported").count() == 1
    # the export is scoped like the page
    client.force_login(world.users["street_s1"])
    scoped = load_workbook(io.BytesIO(client.get(reverse("appeals:rates_export"), params).content)).active
    assert [r[1] for r in list(scoped.iter_rows(values_only=True))[3:]] == ["一街道"]


def test_charts_are_general_and_escape_labels():
    bars = bar_chart([{"n": "<b>甲</b>", "v": 5}, {"n": "乙", "v": None}], "n", "v")
    assert "&lt;b&gt;" in bars and "<b>" not in bars and bars.count("<rect") == 2 and "—" in bars
    line = line_chart([{"m": "1月", "a": 0.5, "b": None}, {"m": "2月", "a": 1.0, "b": 0.2}], "m",
                      [("a", "甲"), ("b", "乙")], max_value=1, percent=True)
    assert line.count("<polyline") == 1 and line.count("<circle") == 3 and "100.0%" in line


def test_bar_chart_labels_get_the_room_they_are_given_and_the_chart_stays_readable():
    """A label up to ``label_chars`` characters is shown whole, left of its bar (a longer one is
    clipped, whole in its tooltip); in a wide card the chart grows to at most 1.5 times its size."""
    import re

    rows = [{"n": "东文化社区·物业报修", "v": 3}, {"n": "东文化社区·水电气热供应", "v": 2}]
    chart = bar_chart(rows, "n", "v", digits=0, label_chars=11)
    width = int(re.search(r'viewBox="0 0 (\d+) ', chart).group(1))
    bar_x = float(re.search(r'<rect x="([\d.]+)"', chart).group(1))
    assert ">东文化社区·物业报修</text>" in chart  # 10 characters: whole
    assert ">东文化社区·水电气热…</text>" in chart and "<title>东文化社区·水电气热供应: 2</title>" in chart
    assert bar_x >= 11 * 14  # the label column holds 11 characters of the 14 px text
    assert f'style="max-width:{width * 3 // 2}px"' in chart
    narrow = bar_chart(rows, "n", "v")  # the default: 7 characters, as before
    assert re.search(r'viewBox="0 0 420 ', narrow) and ">东文化社区·…</text>" in narrow


def test_bar_chart_english_labels_keep_as_much_width_as_chinese_ones():
    """Latin letters are narrower than Chinese characters: an English label is clipped by the width
    it takes, not by its count of characters (7 characters of "Non-public enterprise" said nothing)."""
    rows = [{"n": "Non-public enterprise", "v": 3}, {"n": "Total", "v": 2}, {"n": "非公有制企业", "v": 1}]
    chart = bar_chart(rows, "n", "v", digits=0)
    assert ">Non-public…</text>" in chart and "<title>Non-public enterprise: 3</title>" in chart
    assert ">Total</text>" in chart and ">非公有制企业</text>" in chart
