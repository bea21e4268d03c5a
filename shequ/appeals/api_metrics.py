"""The three rates of appeals 三率 (``GET /api/appeals/rates``): response, resolution and
satisfaction rates, satisfaction score, on-time completion rate and the composite score by street,
community, department, category or month, ranked against peers. Definitions: docs/metrics.md.

Scoped like every appeals read: a street user gets its street's figures, a department those of
the appeals it handles.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from . import metrics

router = Router(tags=["接诉即办"])

GroupName = Literal[tuple(metrics.GROUPS)]  # type: ignore[valid-type]


class RatesParams(Schema):
    group: GroupName = Field("street", description="street / community / department / category / month")  # type: ignore[valid-type]
    from_: dt.date = Field(..., alias="from", description="期初(含),上海日期")
    to: dt.date = Field(..., description="期末(含),上海日期")


class RateRowOut(Schema):
    key: int | str = Field(..., description="单位、类别的 id,或月份 YYYY-MM")
    name: str
    response_due: int
    responded: int
    evaluated: int
    solved: int
    satisfied: int
    basic: int
    completion_due: int
    completed_on_time: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    satisfaction_score: float | None
    on_time_rate: float | None
    composite: float | None
    ranked: bool
    rank: int | None


class RatesOut(Schema):
    group: str
    start: dt.date = Field(..., validation_alias="start", serialization_alias="from", description="期初(含)")
    end: dt.date = Field(..., validation_alias="end", serialization_alias="to", description="期末(含)")
    weights: dict[str, int]
    min_volume: int
    rows: list[RateRowOut]


@router.get("", response=RatesOut, by_alias=True, summary="三率(响应率、解决率、满意率)与按时办结率、综合得分及排名",
            operation_id="appeals_rates")
def rates(request, params: Query[RatesParams]):
    return metrics.appeal_rates(user=request.user, group=params.group, start=params.from_, end=params.to)
