"""Governance reports: generated from the providers' compute() and problems(), stored, listed and
downloaded (.docx, .pdf), audited; a module that is not installed is an empty section, and a
provider's problems flow into 二、存在的问题 with their evidence and communities."""
import datetime as dt
import io

import pytest

from shequ.core.models import AuditLog
from shequ.indicators import content as report_content
from shequ.indicators import documents, services
from shequ.indicators.models import GovernanceReport

START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def _keep(data: bytes, name: str) -> None:
    """Keep a generated document, and the PDF's first page as PNG, in test-artifacts/ to look at."""
    from shequ.web.tests.browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"indicators-{name}").write_bytes(data)
    if name.endswith(".pdf"):
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        for i in range(min(len(pdf), 3)):
            pdf[i].render(scale=1.4).to_pil().save(ARTIFACTS / f"indicators-report-page{i + 1}.png")


def _generate(world, user="leader", node="district", django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(actor=world.users[user], node=world.nodes[node], start=START, end=END)
    report.refresh_from_db()
    return report


def test_missing_modules_are_empty_sections_not_errors(world, appeals_fixture):
    data = report_content.build_content(world.nodes["district"], START, END)
    missing = {m["app"] for m in data["missing"]}
    assert {"shequ.workforce", "shequ.party", "shequ.socialorgs"} <= missing
    workforce = next(s for s in data["sections"] if s["key"] == "workforce")
    assert workforce["indicators"] == [] and workforce["missing"][0]["app"] == "shequ.workforce"
    headline = {h["key"]: h["display"] for h in data["overall"]["headline"]}
    assert headline["communities"] == "3" and headline["households_per_community"] == "2"
    assert headline["appeals_on_time_rate"] == "71.4%"
    assert [row["name"] for row in data["table"]["rows"]] == ["一街道", "二乡"]
    assert data["problems"][0]["key"] == "appeals_overdue" and data["problems"][0]["communities"] == ["甲社区"]
    assert "暂无数据" in _docx_text(documents.render_docx(data))


def test_fake_provider_is_discovered_and_its_problems_reach_the_report(world, fake_provider,
                                                                       django_capture_on_commit_callbacks):
    report = _generate(world, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert report.status == GovernanceReport.Status.DONE and report.progress == 100
    data = report.content
    assert "shequ.socialorgs" not in {m["app"] for m in data["missing"]}  # installed: no placeholder
    headline = {h["key"]: h["display"] for h in data["overall"]["headline"]}
    assert headline["socialorgs_per_community"] == "2.5"
    assert len(fake_provider.calls) == 1  # one compute() for the node and all its children
    problem = data["problems"][0]
    assert problem["key"] == "few_socialorgs" and problem["severity"] == 3
    assert problem["communities"] == ["甲社区"] and problem["number"] == "问题一"
    assert "培育生活服务类、公益慈善类社区社会组织。" in data["suggestions"]
    assert data["overall"]["summary"].startswith("当前,测试区共有社区/村3个,平均2户/社区;")
    assert "平均每社区社会组织2.5个" in data["overall"]["summary"]
    docx_text = _docx_text(bytes(report.docx))
    for text in ("一、总体情况及成效", "二、存在的问题", "问题一:社会组织发展慢", "涉及社区/村:甲社区", "三、对策建议"):
        assert text in docx_text
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF")
    _keep(pdf, "report.pdf")
    pdf_text = _pdf_text(pdf)
    assert "社会组织发展慢" in pdf_text and "甲社区" in pdf_text and "三、对策建议" in pdf_text


def test_request_and_download_are_audited_and_scoped(world, django_capture_on_commit_callbacks, client):
    report = _generate(world, user="street_s1", node="S1",
                       django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert AuditLog.objects.filter(verb="indicators.report_requested", target_id=str(report.pk)).count() == 1
    client.force_login(world.users["street_s1"])
    answer = client.get(f"/indicators/reports/{report.pk}/download/docx/")
    assert answer.status_code == 200 and answer["Content-Type"].endswith("wordprocessingml.document")
    answer = client.get(f"/indicators/reports/{report.pk}/download/pdf/")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    downloads = AuditLog.objects.filter(verb="indicators.report_downloaded", target_id=str(report.pk))
    assert sorted(d.extra["format"] for d in downloads) == ["docx", "pdf"]
    assert downloads.first().actor_id == world.users["street_s1"].pk
    client.force_login(world.users["worker_b"])  # community worker: no report capability
    assert client.get(f"/indicators/reports/{report.pk}/download/pdf/").status_code == 403
    other = _generate(world, user="leader", node="S2", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    client.force_login(world.users["street_s1"])
    assert client.get(f"/indicators/reports/{other.pk}/").status_code == 404
    assert client.get(f"/indicators/reports/{other.pk}/download/pdf/").status_code == 404
    listed = client.get("/indicators/reports/").content.decode()
    assert report.title in listed and other.title not in listed


def test_a_street_leader_cannot_request_a_report_outside_the_street(world):
    from shequ.core.errors import NotInScope

    with pytest.raises(NotInScope):
        services.report_request(actor=world.users["street_s1"], node=world.nodes["S2"], start=START, end=END)
    assert not GovernanceReport.objects.exists()


def test_progress_is_polled_until_done(world, client):
    report = services.report_request(actor=world.users["leader"], node=world.nodes["district"], start=START, end=END)
    client.force_login(world.users["leader"])
    answer = client.get(f"/indicators/reports/{report.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in answer.content.decode()  # queued: keeps polling
    services.report_generate(report_id=report.pk)
    answer = client.get(f"/indicators/reports/{report.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in answer.content.decode() and answer["HX-Refresh"] == "true"
    page = client.get(f"/indicators/reports/{report.pk}/").content.decode()
    assert "二、存在的问题" in page and "暂无数据" in page


def test_admin_lists_only_reports_in_scope(world, client):
    from django.urls import reverse

    mine = services.report_request(actor=world.users["street_s1"], node=world.nodes["S1"], start=START, end=END)
    other = services.report_request(actor=world.users["leader"], node=world.nodes["S2"], start=START, end=END)
    street = world.users["street_s1"]
    street.is_staff = True
    street.save(update_fields=["is_staff"])
    client.force_login(street)
    listed = client.get(reverse("admin:indicators_governancereport_changelist"))
    assert listed.status_code == 200
    assert mine.title in listed.content.decode() and other.title not in listed.content.decode()
    assert client.get(reverse("admin:indicators_governancereport_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:indicators_governancereport_change", args=[other.pk])).status_code in (302, 404)


def test_a_failing_provider_marks_the_report_failed(world, fake_provider):
    def broken(nodes, start, end):
        raise RuntimeError("socialorgs database unreachable")

    fake_provider.compute = broken
    report = services.report_request(actor=world.users["leader"], node=world.nodes["district"], start=START, end=END)
    with pytest.raises(RuntimeError):
        services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == GovernanceReport.Status.FAILED and "unreachable" in report.error
    assert report.finished


def test_survey_results_are_appended_when_the_surveys_module_is_installed(world, monkeypatch):
    from shequ.indicators import discovery

    from .conftest import install_fake

    install_fake(monkeypatch, "shequ.surveys",
                 INDICATORS=[{"key": "survey_resident_satisfaction", "label": "居民问卷满意度", "unit": "%",
                              "better": "higher", "section": "other"}],
                 compute=lambda nodes, start, end: {n.pk: {"survey_resident_satisfaction": 0.82} for n in nodes})
    try:
        data = report_content.build_content(world.nodes["S1"], START, END)
    finally:
        discovery.reset()
    assert data["surveys"] == [{"label": "居民问卷满意度", "display": "82.0%"}]
    assert "shequ.surveys" not in {m["app"] for m in data["missing"]}
    text = _docx_text(documents.render_docx(data))
    assert "附:问卷调查结果" in text and "居民问卷满意度:82.0%" in text
