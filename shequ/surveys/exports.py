"""Export a survey's results to Excel: a summary sheet (each question's counts, shares, means) and
a sheet of the responses within the exporting user's area (phones masked). Audit-logged."""
from __future__ import annotations

import tempfile

from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.jurisdiction import scoping

from . import selectors
from .models import Survey


def survey_export(*, actor, survey: Survey) -> tempfile.SpooledTemporaryFile:
    """The .xlsx of ``survey`` (loaded through ``selectors.survey_get``), rewound."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    scoping.ensure_can(actor, "surveys.view", survey)
    results = selectors.survey_results(user=actor, survey=survey, text_limit=10_000)
    book = Workbook()
    summary = book.active
    summary.title = _("汇总")[:31]
    bold = Font(bold=True)
    summary.append([survey.title])
    summary["A1"].font = bold
    summary.append([_("调研层面"), selectors.level_label(survey.level), _("发放范围"), survey.scope.name])
    summary.append([_("答卷数"), results["total"], _("在线填写"), results["online"], _("电话访谈"), results["phone"]])
    summary.append([])
    for q in results["questions"]:
        summary.append([f"{q['position']}. {q['text']}", q["question"].get_kind_display(), _("作答人数"), q["answered"]])
        summary.cell(row=summary.max_row, column=1).font = bold
        for row in q["options"] or q["scale"]:
            summary.append(["", row["label"], row["count"], row["share"]])
        if q["mean"] is not None:
            summary.append(["", _("平均值"), q["mean"]])
        for text in q["texts"]:
            summary.append(["", text])
        summary.append([])
    sheet = book.create_sheet(_("答卷")[:31])
    questions = list(survey.questions.all())
    sheet.append([_("编号"), _("提交时间"), _("方式"), _("填写人/受访人"), _("街道/乡镇"), _("社区/村")]
                 + [f"{q.position}. {q.text}" for q in questions])
    for cell in sheet[1]:
        cell.font = bold
    count = 0
    for response in selectors.response_list(user=actor, survey=survey).iterator(chunk_size=500):
        count += 1
        sheet.append([response.pk, response.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                      str(response.get_channel_display()), selectors.respondent_label(response),
                      response.street.name if response.street_id else "",
                      response.community.name if response.community_id else "",
                      *selectors.answer_cells(survey, response)])
    audit_record(actor=actor, verb="survey.exported", target=survey, extra={"responses": count, "format": "xlsx"})
    out = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)
    book.save(out)
    out.seek(0)
    return out
