"""Server-rendered inline SVG charts: a horizontal bar chart and a line chart, no JavaScript.

Both take plain rows (dicts or objects) and the names of the label and value keys, so any module
can chart its figures: ``bar_chart(rows, "name", "composite", max_value=100)``,
``line_chart(rows, "key", [("response_rate", "响应率"), ...], max_value=1, percent=True)``. The SVG
scales to its container (``viewBox``, width 100%), so it reads on a phone; every mark has a
``<title>`` (a tooltip, and text for screen readers) and a missing value (None) is drawn as "—".
Template tags: ``{% load charts %}{% bar_chart ... %}`` (``shequ.web.templatetags.charts``).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

#: Series colours (colour-blind safe, Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
FONT = "font-size:14px;font-family:inherit"


def _get(row, key: str):
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def format_value(value, percent: bool = False, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%" if percent else f"{value:.{digits}f}"


def grouped(value) -> str:
    """A figure with its thousands grouped, as the home page, the tree and the indicator dashboard
    and its reports show counts and amounts: 965075 -> "965,075", 5675.33 -> "5,675.3"; None -> "—"."""
    if value is None:
        return "—"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _em(char: str) -> float:
    """About how wide a character is drawn, in the chart font's size: a Chinese (wide) character, and
    the punctuation a Chinese font draws as wide ("·", "…"), a whole em; a Latin letter or digit
    about 0.6 of one."""
    return 1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.6


def _clip(text: str, limit: int) -> str:
    """``text`` as drawn in a column ``limit`` Chinese characters wide: whole if it fits, else cut
    with "…" (so an English label keeps about as much of its width as a Chinese one)."""
    if sum(map(_em, text)) <= limit:
        return text
    used, kept = _em("…"), []
    for char in text:
        used += _em(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def bar_chart(rows: Iterable, label_key: str, value_key: str, *, max_value: float | None = None,
              percent: bool = False, digits: int = 1, title: str = "", color: str = PALETTE[0],
              label_chars: int = 7) -> SafeString:
    """One horizontal bar per row, in the given order, scaled to ``max_value`` (default: the largest value).
    Labels wider than ``label_chars`` Chinese characters are clipped (the full label is in the
    tooltip); the label column is as wide as that many characters. In a wide container the chart
    grows to at most 1.5 times its own size, so its text stays readable and its bars in proportion."""
    rows = list(rows)
    values = [_get(r, value_key) for r in rows]
    top = max_value if max_value is not None else max([v for v in values if v is not None] or [0])
    top = top or 1
    label_w, value_w, bar_h, gap = 14 * label_chars + 12, 56, 22, 8
    width = label_w + 310
    plot_w = width - label_w - value_w
    height = max(len(rows), 1) * (bar_h + gap) + gap
    marks = []
    for i, (row, value) in enumerate(zip(rows, values)):
        y = gap + i * (bar_h + gap)
        label = str(_get(row, label_key) or "")
        shown = format_value(value, percent, digits)
        w = 0 if value is None else max(0.0, min(value / top, 1.0)) * plot_w
        marks.append(format_html(
            '<g><title>{}: {}</title>'
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" style="{}">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"></rect>'
            '<text x="{}" y="{}" dominant-baseline="middle" style="{}">{}</text></g>',
            label, shown, label_w - 6, y + bar_h / 2, FONT, _clip(label, label_chars),
            label_w, y, f"{w:.1f}", bar_h, color,
            f"{label_w + w + 6:.1f}", y + bar_h / 2, FONT, shown))
    if not rows:
        marks.append(format_html('<text x="{}" y="{}" text-anchor="middle" style="{}">—</text>', width / 2, height / 2, FONT))
    return format_html(
        '<svg class="chart bar-chart" viewBox="0 0 {} {}" width="100%" style="max-width:{}px" role="img" '
        'aria-label="{}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<line x1="{}" y1="0" x2="{}" y2="{}" stroke="#999"></line>{}</svg>',
        width, height, width * 3 // 2, title, label_w, label_w, height, mark_safe("".join(marks)))


def line_chart(rows: Iterable, label_key: str, series: Sequence[tuple[str, str]], *, max_value: float | None = None,
               percent: bool = False, digits: int = 1, title: str = "") -> SafeString:
    """One line per ``(value_key, name)`` of ``series`` across the rows (x: the rows' labels, in order),
    with a legend; a missing value breaks the line."""
    rows = list(rows)
    all_values = [_get(r, key) for r in rows for key, _name in series]
    top = max_value if max_value is not None else max([v for v in all_values if v is not None] or [0])
    top = top or 1
    width, height, left, right, top_pad, bottom = 480, 300, 48, 34, 40, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(len(rows) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(rows) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top_pad + plot_h - max(0.0, min(v / top, 1.0)) * plot_h

    parts = []
    for k in range(5):  # grid lines and y labels at 0, 25, 50, 75, 100 % of the top
        v = top * k / 4
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"></line>'
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" style="{}">{}</text>',
            left, f"{y(v):.1f}", width - right, f"{y(v):.1f}", left - 6, f"{y(v):.1f}", FONT, format_value(v, percent, 0)))
    every = max(1, -(-len(rows) // 8))  # at most ~8 x labels
    for i, row in enumerate(rows):
        if i % every == 0 or i == len(rows) - 1:
            parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" style="{}">{}</text>',
                                     f"{x(i):.1f}", height - bottom + 18, FONT, str(_get(row, label_key) or "")))
    for s, (key, name) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        segments, current = [], []
        for i, row in enumerate(rows):
            v = _get(row, key)
            if v is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append((i, v))
        if current:
            segments.append(current)
        for seg in segments:
            if len(seg) > 1:
                # Earlier series are drawn wider, so a later series on the same values leaves the
                # earlier one visible around it instead of hiding it.
                parts.append(format_html('<polyline fill="none" stroke="{}" stroke-width="{}" points="{}"></polyline>',
                                         color, f"{2.5 + 2 * (len(series) - 1 - s):.1f}",
                                         " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in seg)))
            parts.append(format_html_join("", '<circle cx="{}" cy="{}" r="{}" fill="{}"><title>{} {}: {}</title></circle>', (
                (f"{x(i):.1f}", f"{y(v):.1f}", 4 + (len(series) - 1 - s), color, str(_get(rows[i], label_key) or ""),
                 name, format_value(v, percent, digits))
                for i, v in seg)))
        lx = left + s * 110
        parts.append(format_html(
            '<rect x="{}" y="10" width="14" height="14" rx="2" fill="{}"></rect>'
            '<text x="{}" y="17" dominant-baseline="middle" style="{}">{}</text>', lx, color, lx + 20, FONT, name))
    if not rows:
        parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" style="{}">—</text>',
                                 width / 2, height / 2, FONT))
    return format_html(
        '<svg class="chart line-chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        width, height, title, mark_safe("".join(parts)))


#: Map shades from few to many (sequential, colour-blind safe); grids with none stay pale grey.
MAP_SHADES = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


def area_map(areas: Iterable[dict], counts: dict, *, title: str = "", width: int = 640) -> SafeString:
    """A map of polygons (``{"id", "name", "boundary"}`` with a GeoJSON Polygon/MultiPolygon), each
    shaded by ``counts[id]`` in five equal steps up to the largest count; no tiles, no script. The
    projection is plain longitude/latitude with longitude scaled by cos(latitude), which is right
    for a district. Each area has a ``<title>`` with its name and count."""
    import math

    shapes = []
    for area in areas:
        geometry = area["boundary"].get("geometry", area["boundary"])
        polygons = geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry["coordinates"]]
        shapes.append((area, [ring for polygon in polygons for ring in polygon[:1]]))
    points = [p for _area, rings in shapes for ring in rings for p in ring]
    if not points:
        return mark_safe("")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    kx = math.cos(math.radians((min(ys) + max(ys)) / 2))
    span_x, span_y = max((max(xs) - min(xs)) * kx, 1e-9), max(max(ys) - min(ys), 1e-9)
    scale = width / span_x
    height = max(int(span_y * scale), 1)
    top = max(counts.values(), default=0) or 1
    left, upper = min(xs), max(ys)  # once: not for every point of every ring

    def xy(p) -> str:
        return f"{(p[0] - left) * kx * scale:.1f},{(upper - p[1]) * scale:.1f}"

    marks = []
    for area, rings in shapes:
        n = counts.get(area["id"], 0)
        fill = "#f1f3f5" if not n else MAP_SHADES[min(int((n - 1) * len(MAP_SHADES) / top), len(MAP_SHADES) - 1)]
        path = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in rings)
        marks.append(format_html('<path d="{}" fill="{}" stroke="#fff" stroke-width="0.6"><title>{}: {}</title></path>',
                                 path, fill, area["name"], n))
    legend = format_html_join("", '<span class="legend-item"><i style="background:{}"></i>{}</span>',
                              ((shade, f"≤{math.ceil(top * (i + 1) / len(MAP_SHADES))}")
                               for i, shade in enumerate(MAP_SHADES)))
    return format_html('<figure class="chart map"><svg viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">{}'
                       '</svg><figcaption class="legend">{}</figcaption></figure>',
                       width, height, title, mark_safe("".join(marks)), legend)
