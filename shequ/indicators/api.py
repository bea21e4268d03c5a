"""The indicators API (``/api/indicators``): the catalogue of indicators, the dashboard of a node
(its figures, its children's and its siblings'), and governance reports (request, list, status,
download). A node or report outside the user's scope is 404 like a missing one; downloads and
requests are audit-logged.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shequ.core.errors import NotInScope
from shequ.core.pagination import PageParams, page_of, paginate

from . import selectors, services
from .discovery import Indicator

router = Router(tags=["指标与调研报告"])


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _this_year() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return dt.date(today.year, 1, 1), today


class IndicatorOut(Schema):
    key: str
    label: str
    unit: str = Field(..., description="“%” 表示比率(0–1)")
    better: str = Field(..., description="higher / lower")
    section: str
    app: str = Field(..., description="提供该指标的模块")


class MissingOut(Schema):
    app: str
    section: str
    what: str


class CatalogOut(Schema):
    indicators: list[IndicatorOut]
    missing: list[MissingOut] = Field(..., description="尚未安装的模块(其指标显示为“暂无数据”)")


class NodeValuesOut(Schema):
    id: int
    name: str
    level: str
    values: dict[str, float | None]


class SectionOut(Schema):
    key: str
    label: str
    indicators: list[str]
    missing: list[MissingOut]


class DashboardOut(Schema):
    node: NodeValuesOut
    start: dt.date
    end: dt.date
    sections: list[SectionOut]
    children: list[NodeValuesOut]
    siblings: list[NodeValuesOut]


class DashboardParams(Schema):
    node: int | None = Field(None, description="辖区节点 id(市、区县、街道/乡镇或社区/村;默认本人所辖)")
    from_: dt.date | None = Field(None, alias="from", description="期初(含),默认本年1月1日")
    to: dt.date | None = Field(None, description="期末(含),默认今天")


class ReportIn(Schema):
    node: int
    from_: dt.date = Field(..., alias="from")
    to: dt.date


class ReportOut(Schema):
    id: int
    node_id: int
    node: str
    title: str
    start: dt.date
    end: dt.date
    status: str
    progress: int
    step: str
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_node(obj) -> str:
        return obj.node.name


class ReportDetailOut(ReportOut):
    content: dict | None


def _indicator(ind: Indicator) -> dict:
    return {"key": ind.key, "label": str(ind.label), "unit": str(ind.unit), "better": ind.better,
            "section": ind.section, "app": ind.app}


def _node_values(node, values: dict) -> dict:
    return {"id": node.pk, "name": node.name, "level": node.level,
            "values": {k: (None if v is None else float(v)) for k, v in values.items()}}


@router.get("/catalog", response=CatalogOut, summary="指标目录")
def catalog(request):
    selectors.ensure_view(request.user)
    from .discovery import indicators

    return {"indicators": [_indicator(ind) for ind in indicators().values()], "missing": selectors.missing_modules()}


@router.get("/dashboard", response=DashboardOut, summary="指标看板:本级、下级与同级比较")
def dashboard(request, params: Query[DashboardParams]):
    user = request.user
    selectors.ensure_view(user)
    start, end = _this_year()
    start, end = params.from_ or start, params.to or end
    if params.node is None:
        node = selectors.default_node(user)
        if node is None:
            raise NotInScope(_("您没有可统计的辖区"))
    else:
        node = selectors.node_get(user=user, pk=params.node)
    board = selectors.dashboard(user=user, node=node, start=start, end=end)
    return {
        "node": _node_values(node, board.values.get(node.pk, {})), "start": start, "end": end,
        "sections": [{"key": s.key, "label": s.label, "indicators": [c.indicator.key for c in s.cells],
                      "missing": s.missing} for s in board.sections],
        "children": [_node_values(n, v) for n, v in board.children],
        "siblings": [_node_values(n, v) for n, v in board.siblings],
    }


@router.post("/reports", response={202: ReportOut}, summary="生成调研报告(后台)")
def report_create(request, payload: ReportIn):
    node = selectors.node_get(user=request.user, pk=payload.node)
    report = services.report_request(actor=request.user, node=node, start=payload.from_, end=payload.to,
                                     ip=_client_ip(request))
    report.refresh_from_db(fields=["status", "progress", "step", "error", "finished_at"])
    return Status(202, report)


@router.get("/reports", response=page_of(ReportOut), summary="已生成的报告")
def report_list(request, page: Query[PageParams]):
    return paginate(selectors.report_list(user=request.user), page)


@router.get("/reports/{report_id}", response=ReportDetailOut, summary="报告状态与内容")
def report_detail(request, report_id: int):
    return selectors.report_get(user=request.user, pk=report_id)


@router.get("/reports/{report_id}/download", summary="下载报告(.docx / .pdf)",
            response={200: None}, openapi_extra={"responses": {200: {"description": "文件"}}})
def report_download(request, report_id: int, format: Literal["docx", "pdf"] = "pdf"):  # noqa: A002
    report = selectors.report_get(user=request.user, pk=report_id, with_files=True)
    data, content_type, filename = services.report_download(actor=request.user, report=report, fmt=format,
                                                            ip=_client_ip(request))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
