"""Pages and API of surveys: building and publishing on pages, the resident's phone page (one answer),
staff answering, phone interviews, results with charts, the export; and street S2 cannot see street
S1's surveys through pages, API, export or admin."""
import io

import pytest
from openpyxl import load_workbook

from shequ.surveys import services
from shequ.surveys.models import Response, Survey

from .factories import opt, resident_survey

pytestmark = pytest.mark.django_db
J = "application/json"


def test_build_and_publish_on_pages(sworld, client):
    client.force_login(sworld.users["street_s1"])
    r = client.post("/surveys/new/", {"title": "养老服务需求调研", "level": "resident", "scope": sworld.nodes["S1"].pk})
    survey = Survey.objects.get(title="养老服务需求调研")
    assert r.status_code == 302
    bad = client.post(f"/surveys/{survey.pk}/questions/", {"kind": "single", "text": "是否需要助餐", "options": "需要",
                                                            "scale_min": 1, "scale_max": 5})
    assert bad.status_code == 422 and "至少需要两个" in bad.content.decode()
    client.post(f"/surveys/{survey.pk}/questions/", {"kind": "single", "text": "是否需要助餐", "options": "需要\n不需要",
                                                      "required": "on", "scale_min": 1, "scale_max": 5})
    client.post(f"/surveys/{survey.pk}/publish/")
    survey.refresh_from_db()
    assert survey.status == "open" and survey.questions.get().options.count() == 2


def test_resident_answers_on_the_phone_page_once(sworld, client):
    survey, q = resident_survey(sworld)
    client.force_login(sworld.users["resident_a"])
    home = client.get("/").content.decode()
    assert "/s/surveys/" in home
    listing = client.get("/s/surveys/").content.decode()
    assert "社区服务满意度调查" in listing
    page = client.get(f"/s/surveys/{survey.pk}/")
    assert page.status_code == 200 and 'name="viewport"' in page.content.decode()
    missing = client.post(f"/s/surveys/{survey.pk}/", {f"q{q['single'].pk}": opt(q["single"], "满意")})
    assert missing.status_code == 422 and not Response.objects.exists()
    data = {f"q{q['single'].pk}": opt(q["single"], "一般"), f"q{q['multiple'].pk}": [opt(q["multiple"], "治安")],
            f"q{q['scale'].pk}": "5", f"q{q['text'].pk}": "加装电梯"}
    assert client.post(f"/s/surveys/{survey.pk}/", data).status_code == 302
    again = client.get(f"/s/surveys/{survey.pk}/").content.decode()
    assert 'data-state="answered"' in again
    assert client.post(f"/s/surveys/{survey.pk}/", data).status_code == 200
    assert Response.objects.count() == 1
    assert "社区服务满意度调查" not in client.get("/s/surveys/").content.decode().split("已填写")[0]
    client.force_login(sworld.users["resident_c"])
    assert client.get(f"/s/surveys/{survey.pk}/").status_code == 404


def test_interview_results_and_export_pages(sworld, client):
    survey, q = resident_survey(sworld)
    client.force_login(sworld.users["worker_a"])
    page = client.post(f"/surveys/{survey.pk}/interview/", {
        "i-place": sworld.nodes["A"].pk, "i-interviewee_name": "张阿姨", "i-interviewee_phone": "13612345678",
        f"q{q['single'].pk}": opt(q["single"], "满意"), f"q{q['multiple'].pk}": [opt(q["multiple"], "养老")],
        f"q{q['scale'].pk}": "4"})
    assert page.status_code == 302
    client.force_login(sworld.users["street_s1"])
    results = client.get(f"/surveys/{survey.pk}/results/").content.decode()
    assert results.count("<svg") == 3 and 'data-field="total">共 1 份答卷' in results
    export = client.get(f"/surveys/{survey.pk}/export.xlsx")
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert rows[1][3] == "张阿姨 136****5678" and rows[1][6] == "满意"
    assert "13612345678" not in str(list(book.worksheets[0].iter_rows(values_only=True)))


def test_staff_answer_a_street_level_survey(sworld, client):
    office = sworld.users["office"]
    survey = services.survey_create(actor=office, scope=sworld.nodes["district"], title="街道赋权情况", level="street")
    q = services.question_add(actor=office, survey_id=survey.pk, kind="text", text="还缺哪些权力")
    services.survey_publish(actor=office, survey_id=survey.pk)
    client.force_login(sworld.users["street_s1"])
    assert "街道赋权情况" in client.get("/surveys/").content.decode()
    assert client.post(f"/surveys/{survey.pk}/answer/", {f"q{q.pk}": "综合执法"}).status_code == 302
    assert Response.objects.get().street_id == sworld.nodes["S1"].pk
    client.force_login(sworld.users["worker_a"])
    assert client.get(f"/surveys/{survey.pk}/answer/").status_code == 404


def test_another_street_sees_nothing(sworld, client):
    survey, q = resident_survey(sworld)
    sworld.users["street_s2"].is_staff = True
    sworld.users["street_s2"].save(update_fields=["is_staff"])
    client.force_login(sworld.users["street_s2"])
    assert "社区服务满意度调查" not in client.get("/surveys/").content.decode()
    for url in (f"/surveys/{survey.pk}/", f"/surveys/{survey.pk}/results/", f"/surveys/{survey.pk}/export.xlsx",
                f"/surveys/{survey.pk}/interview/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/surveys/{survey.pk}/close/").status_code == 404
    assert client.get("/api/surveys").json()["count"] == 0
    for url in (f"/api/surveys/{survey.pk}", f"/api/surveys/{survey.pk}/results", f"/api/surveys/{survey.pk}/export.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/api/surveys/{survey.pk}/publish").status_code == 404
    assert "社区服务满意度调查" not in client.get("/admin/surveys/survey/").content.decode()
    assert client.get(f"/admin/surveys/survey/{survey.pk}/change/").status_code in (302, 404)


def test_api_flow(sworld, client):
    client.force_login(sworld.users["street_s1"])
    s = client.post("/api/surveys", {"scope_id": sworld.nodes["S1"].pk, "title": "接口问卷", "level": "resident"},
                    content_type=J).json()
    q = client.post(f"/api/surveys/{s['id']}/questions", {"kind": "multiple", "text": "多选", "options": ["甲", "乙"]},
                    content_type=J).json()["questions"][0]
    assert client.post(f"/api/surveys/{s['id']}/publish").json()["status"] == "open"
    client.force_login(sworld.users["resident_a"])
    assert [x["id"] for x in client.get("/api/surveys/to-answer").json()] == [s["id"]]
    ids = [o["id"] for o in q["options"]]
    assert client.post(f"/api/surveys/{s['id']}/responses", {"answers": {str(q["id"]): ids}}, content_type=J).status_code == 201
    again = client.post(f"/api/surveys/{s['id']}/responses", {"answers": {str(q["id"]): ids}}, content_type=J)
    assert again.status_code == 409
    client.force_login(sworld.users["street_s1"])
    results = client.get(f"/api/surveys/{s['id']}/results").json()
    assert [o["count"] for o in results["questions"][0]["options"]] == [1, 1]
    bad = client.post(f"/api/surveys/{s['id']}/interviews", {"place_id": sworld.nodes["A"].pk,
                                                             "answers": {str(q["id"]): [999]}}, content_type=J)
    assert bad.status_code == 422 and bad.json()["extra"]["field"] == f"q{q['id']}"
