"""The governance report as .docx (python-docx) and .pdf (reportlab), drawn from ``content``.

The PDF uses reportlab's built-in CID font STSong-Light (Adobe's Asian font pack, which PDF readers
supply), so Chinese renders without any font file in the repository; its charts are drawn by
reportlab as vector graphics in the same font. The .docx embeds each chart as a PNG drawn by
matplotlib with a CJK system font when one is installed (Debian: fonts-noto-cjk); without one the
bars are numbered and the table beside them names the units.
"""
from __future__ import annotations

import io
from functools import lru_cache

from django.utils.translation import gettext as _

from .selectors import value_text

PDF_FONT = "STSong-Light"
BAR_COLOR = "#0072B2"


def _scaled(points, percent: bool) -> list[float]:
    return [0.0 if v is None else (v * 100 if percent and abs(v) <= 1 else float(v)) for _n, v in points]


# --- charts as PNG (for the .docx) --------------------------------------------------------------

@lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(word in font.name for word in ("CJK SC", "CJK", "WenQuanYi", "SimHei", "Source Han")):
            return font.name
    return None


def chart_png(chart: dict) -> bytes:
    """A horizontal bar chart of one indicator across units, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    points = chart["points"]
    font = _cjk_font()
    names = [name if font else f"#{i + 1}" for i, (name, _v) in enumerate(points)]
    values = _scaled(points, chart["percent"])
    fig = Figure(figsize=(6.2, 0.42 * len(points) + 1.0), dpi=150)
    ax = fig.subplots()
    ax.barh(range(len(points)), values, color=BAR_COLOR)
    ax.set_yticks(range(len(points)), names, fontfamily=font or "sans-serif")
    ax.invert_yaxis()
    for i, (_name, v) in enumerate(points):
        ax.text(values[i], i, " " + value_text(v, chart["percent"]), va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, (max(values) or 1) * 1.18)
    if font:
        ax.set_title(chart["title"], fontfamily=font, fontsize=11)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


# --- .docx ------------------------------------------------------------------------------------

def render_docx(content: dict) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for name in ("Title", "Heading 1", "Heading 2"):
        doc.styles[name].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")

    title = doc.add_heading(content["title"], level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(_("统计期:%(start)s 至 %(end)s    生成时间:%(at)s") % {
        "start": content["start"], "end": content["end"], "at": content["generated_at"]})
    doc.add_paragraph(content["lead"])

    doc.add_heading(_("一、总体情况及成效"), level=1)
    if content["overall"].get("summary"):
        doc.add_paragraph(content["overall"]["summary"])
    for sentence in content["overall"]["sentences"]:
        doc.add_paragraph(sentence, style="List Bullet")
    for i, section in enumerate(s for s in content["sections"] if s["key"] != "overall"):
        doc.add_heading(f"({_number(i)}){section['label']}", level=2)
        for item in section["indicators"]:
            doc.add_paragraph(f"{item['label']}:{item['display']}" + _unit(item), style="List Bullet")
        for missing in section["missing"]:
            doc.add_paragraph(_("暂无数据:%(what)s(模块尚未启用)") % {"what": missing["what"]})
    table = content["table"]
    if table["rows"]:
        doc.add_heading(_("下级单位指标一览"), level=2)
        grid = doc.add_table(rows=1, cols=1 + len(table["columns"]))
        grid.style = "Table Grid"
        header = grid.rows[0].cells
        header[0].text = _("单位")
        for j, column in enumerate(table["columns"]):
            header[j + 1].text = column["label"]
        for row in table["rows"]:
            cells = grid.add_row().cells
            cells[0].text = row["name"]
            for j, text in enumerate(row["cells"]):
                cells[j + 1].text = text
    for chart in content["charts"]:
        doc.add_paragraph(chart["title"])
        doc.add_picture(io.BytesIO(chart_png(chart)), width=Cm(15))

    doc.add_heading(_("二、存在的问题"), level=1)
    if not content["problems"]:
        doc.add_paragraph(_("统计期内未发现超出阈值的问题。"))
    for problem in content["problems"]:
        doc.add_heading(f"{problem['number']}:{problem['title']}", level=2)
        doc.add_paragraph(problem["evidence"])
        if problem["communities"]:
            doc.add_paragraph(_("涉及社区/村:%(names)s") % {"names": "、".join(problem["communities"])})

    doc.add_heading(_("三、对策建议"), level=1)
    if not content["suggestions"]:
        doc.add_paragraph(_("保持现有工作机制,持续跟踪各项指标。"))
    for i, suggestion in enumerate(content["suggestions"]):
        doc.add_paragraph(f"{_number(i)}是{suggestion}")

    if content.get("surveys"):
        doc.add_heading(_("附:问卷调查结果"), level=1)
        for item in content["surveys"]:
            doc.add_paragraph(f"{item['label']}:{item['display']}", style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _number(i: int) -> str:
    from .content import _chinese_number

    return _chinese_number(i)


def _unit(item: dict) -> str:
    return "" if item["unit"] in ("%", "") or item["value"] is None else item["unit"]


# --- .pdf -------------------------------------------------------------------------------------

def _bar_drawing(chart: dict, width: float):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    points = chart["points"]
    values = _scaled(points, chart["percent"])
    bar_h = 16
    height = bar_h * len(points) + 40
    drawing = Drawing(width, height)
    bars = HorizontalBarChart()
    bars.x, bars.y = 110, 20
    bars.width, bars.height = width - 180, bar_h * len(points)
    bars.data = [list(reversed(values))]
    bars.categoryAxis.categoryNames = [name[:10] for name, _v in reversed(points)]
    bars.categoryAxis.labels.fontName = PDF_FONT
    bars.categoryAxis.labels.fontSize = 8
    bars.categoryAxis.labels.dx = -4
    bars.categoryAxis.labels.textAnchor = "end"
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = (max(values) or 1) * 1.15
    bars.valueAxis.labels.fontName = PDF_FONT
    bars.valueAxis.labels.fontSize = 7
    bars.bars[0].fillColor = colors.HexColor(BAR_COLOR)
    bars.bars[0].strokeColor = None
    bars.barLabelFormat = lambda v: value_text(v / 100 if chart["percent"] else v, chart["percent"])
    bars.barLabels.fontName = PDF_FONT
    bars.barLabels.fontSize = 7
    bars.barLabels.boxAnchor = "w"
    bars.barLabels.dx = 3
    drawing.add(bars)
    drawing.add(String(0, height - 12, chart["title"], fontName=PDF_FONT, fontSize=10))
    return drawing


def render_pdf(content: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10.5, leading=17, wordWrap="CJK", firstLineIndent=21)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    small = ParagraphStyle("small", parent=plain, fontSize=8.5, leading=11)
    h0 = ParagraphStyle("h0", parent=plain, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=6)
    h1 = ParagraphStyle("h1", parent=plain, fontSize=13.5, leading=20, spaceBefore=10, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=plain, fontSize=11.5, leading=18, spaceBefore=6, spaceAfter=2)

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    width = A4[0] - 40 * mm
    story = [p(content["title"], h0),
             p(_("统计期:%(start)s 至 %(end)s    生成时间:%(at)s") % {
                 "start": content["start"], "end": content["end"], "at": content["generated_at"]}, small),
             Spacer(1, 6), p(content["lead"]), p(_("一、总体情况及成效"), h1)]
    if content["overall"].get("summary"):
        story.append(p(content["overall"]["summary"]))
    story += [p("· " + sentence, plain) for sentence in content["overall"]["sentences"]]
    for i, section in enumerate(s for s in content["sections"] if s["key"] != "overall"):
        story.append(p(f"({_number(i)}){section['label']}", h2))
        story += [p(f"· {item['label']}:{item['display']}{_unit(item)}", plain) for item in section["indicators"]]
        story += [p(_("暂无数据:%(what)s(模块尚未启用)") % {"what": m["what"]}, plain) for m in section["missing"]]
    table = content["table"]
    if table["rows"]:
        story.append(p(_("下级单位指标一览"), h2))
        columns = table["columns"]
        data = [[p(_("单位"), small)] + [p(c["label"], small) for c in columns]]
        data += [[p(row["name"], small)] + [p(text, small) for text in row["cells"]] for row in table["rows"]]
        first = 28 * mm
        rest = (width - first) / max(len(columns), 1)
        grid = Table(data, colWidths=[first] + [rest] * len(columns), repeatRows=1)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(grid)
    for chart in content["charts"]:
        story += [Spacer(1, 8), _bar_drawing(chart, width)]

    story.append(p(_("二、存在的问题"), h1))
    if not content["problems"]:
        story.append(p(_("统计期内未发现超出阈值的问题。")))
    for problem in content["problems"]:
        story.append(p(f"{problem['number']}:{problem['title']}", h2))
        story.append(p(problem["evidence"]))
        if problem["communities"]:
            story.append(p(_("涉及社区/村:%(names)s") % {"names": "、".join(problem["communities"])}))

    story.append(p(_("三、对策建议"), h1))
    if not content["suggestions"]:
        story.append(p(_("保持现有工作机制,持续跟踪各项指标。")))
    story += [p(f"{_number(i)}是{s}") for i, s in enumerate(content["suggestions"])]
    if content.get("surveys"):
        story.append(p(_("附:问卷调查结果"), h1))
        story += [p(f"· {item['label']}:{item['display']}", plain) for item in content["surveys"]]

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=content["title"], author="Shequ").build(story)
    return out.getvalue()
