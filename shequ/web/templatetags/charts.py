"""Chart tags for any page: ``{% load charts %}``, then
``{% bar_chart rows "name" "composite" max_value=100 title=_("综合得分") %}`` or
``{% line_chart rows "key" series max_value=1 percent=True %}`` (``series``: a list of
``(value_key, name)``). The SVG is built in ``shequ.web.charts``."""
from __future__ import annotations

from django import template

from shequ.web import charts

register = template.Library()


@register.simple_tag
def bar_chart(rows, label_key: str, value_key: str, **options):
    return charts.bar_chart(rows, label_key, value_key, **options)


@register.simple_tag
def line_chart(rows, label_key: str, series, **options):
    return charts.line_chart(rows, label_key, series, **options)


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.853 -> "85.3%"; None -> "—"."""
    return charts.format_value(value, percent=True, digits=int(digits))


@register.filter
def grouped(value) -> str:
    """965075 -> "965,075" (``shequ.web.charts.grouped``)."""
    return charts.grouped(value)
