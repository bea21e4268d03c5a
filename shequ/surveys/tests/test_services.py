"""Building, publishing, answering once, phone interviews and results counted by hand."""
import pytest
from django.db import connection

from shequ.core.audit import AuditLog
from shequ.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotInScope
from shequ.surveys import indicators, selectors, services
from shequ.surveys.models import Response

from .factories import opt, resident_survey

pytestmark = pytest.mark.django_db


def _answers(q, single="满意", multiple=("环境",), scale=4, text=""):
    return {q["single"].pk: opt(q["single"], single), q["multiple"].pk: [opt(q["multiple"], m) for m in multiple],
            q["scale"].pk: scale, q["text"].pk: text}


def test_a_resident_answers_once(sworld):
    survey, q = resident_survey(sworld)
    services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=_answers(q))
    with pytest.raises(Conflict) as exc:
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=_answers(q))
    assert exc.value.code == "survey_already_answered"
    assert Response.objects.count() == 1
    r = Response.objects.get()
    assert r.community_id == sworld.nodes["A"].pk and r.channel == "online"
    assert AuditLog.objects.filter(verb="survey.answered").count() == 1


def test_a_resident_outside_the_scope_cannot_answer(sworld):
    survey, q = resident_survey(sworld)
    with pytest.raises(NotInScope):
        services.response_submit(actor=sworld.users["resident_c"], survey_id=survey.pk, answers=_answers(q))
    assert not selectors.surveys_to_answer(user=sworld.users["resident_c"]).exists()
    assert list(selectors.surveys_to_answer(user=sworld.users["resident_b"])) == [survey]


def test_answers_are_checked_and_nothing_is_half_written(sworld):
    survey, q = resident_survey(sworld)
    bad = _answers(q)
    bad[q["scale"].pk] = 9
    with pytest.raises(InvalidInput) as exc:
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=bad)
    assert exc.value.extra["field"] == f"q{q['scale'].pk}"
    missing = _answers(q)
    del missing[q["single"].pk]
    with pytest.raises(InvalidInput) as exc:
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=missing)
    assert "必答" in exc.value.message
    foreign = _answers(q)
    foreign[q["single"].pk] = opt(q["multiple"], "环境")
    with pytest.raises(InvalidInput):
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=foreign)
    assert not Response.objects.exists()


def test_drafts_closed_surveys_and_wrong_levels(sworld):
    survey, q = resident_survey(sworld, publish=False)
    with pytest.raises(NotInScope):
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=_answers(q))
    services.survey_publish(actor=sworld.users["street_s1"], survey_id=survey.pk)
    with pytest.raises(InvalidTransition):
        services.question_add(actor=sworld.users["street_s1"], survey_id=survey.pk, kind="text", text="晚了")
    services.survey_close(actor=sworld.users["street_s1"], survey_id=survey.pk)
    with pytest.raises(InvalidTransition):
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=_answers(q))
    with pytest.raises(NotAllowed):
        services.survey_create(actor=sworld.users["worker_a"], scope=sworld.nodes["A"], title="x", level="resident")
    with pytest.raises(InvalidInput) as exc:
        services.survey_create(actor=sworld.users["street_s1"], scope=sworld.nodes["A"], title="街道问卷", level="street")
    assert exc.value.code == "survey_bad_scope"
    with pytest.raises(InvalidInput) as exc:
        services.question_add(actor=sworld.users["street_s1"], survey_id=services.survey_create(
            actor=sworld.users["street_s1"], scope=sworld.nodes["S1"], title="y", level="resident").pk,
            kind="single", text="只有一个选项", options=["是"])
    assert exc.value.extra["field"] == "options"


def test_community_level_survey_is_answered_by_community_workers(sworld):
    office = sworld.users["office"]
    survey = services.survey_create(actor=office, scope=sworld.nodes["district"], title="社区负担调研", level="community")
    q = services.question_add(actor=office, survey_id=survey.pk, kind="scale", text="负担程度", scale_min=1, scale_max=10)
    services.survey_publish(actor=office, survey_id=survey.pk)
    assert list(selectors.surveys_to_answer(user=sworld.users["worker_a"])) == [survey]
    assert not selectors.surveys_to_answer(user=sworld.users["street_s1"]).exists()
    services.response_submit(actor=sworld.users["worker_a"], survey_id=survey.pk, answers={q.pk: 8})
    with pytest.raises(NotInScope):
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers={q.pk: 8})
    assert Response.objects.get().community_id == sworld.nodes["A"].pk


def test_phone_interview_keeps_the_phone_encrypted(sworld):
    survey, q = resident_survey(sworld)
    r = services.interview_record(actor=sworld.users["worker_a"], survey_id=survey.pk, place=sworld.nodes["A_grid"],
                                  answers=_answers(q, single="不满意"), interviewee_name="刘大爷",
                                  interviewee_phone="13712345678", minutes=6)
    with connection.cursor() as cur:
        cur.execute("SELECT interviewee_phone FROM surveys_response WHERE id = %s", [r.pk])
        assert "13712345678" not in cur.fetchone()[0]
    assert selectors.respondent_label(Response.objects.get(pk=r.pk)) == "刘大爷 137****5678"
    with pytest.raises(NotInScope):  # community B is not worker_a's
        services.interview_record(actor=sworld.users["worker_a"], survey_id=survey.pk, place=sworld.nodes["B"],
                                  answers=_answers(q))
    with pytest.raises(NotInScope):  # an S1 survey is neither in street S2's area nor addressed to it
        services.interview_record(actor=sworld.users["street_s2"], survey_id=survey.pk, place=sworld.nodes["C"],
                                  answers=_answers(q))


def test_results_match_hand_counts(sworld):
    survey, q = resident_survey(sworld)
    services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk,
                             answers=_answers(q, "满意", ("环境", "养老"), 5, "多组织活动"))
    services.response_submit(actor=sworld.users["resident_b"], survey_id=survey.pk,
                             answers=_answers(q, "一般", ("环境",), 3))
    services.interview_record(actor=sworld.users["street_s1"], survey_id=survey.pk, place=sworld.nodes["B"],
                              answers=_answers(q, "满意", ("治安",), 4, "路灯坏了"))
    survey = selectors.survey_get(user=sworld.users["street_s1"], pk=survey.pk)
    r = selectors.survey_results(user=sworld.users["street_s1"], survey=survey)
    assert (r["total"], r["online"], r["phone"]) == (3, 2, 1)
    single, multiple, scale, text = r["questions"]
    assert [(o["label"], o["count"]) for o in single["options"]] == [("满意", 2), ("一般", 1), ("不满意", 0)]
    assert single["options"][0]["share"] == round(2 / 3, 4)
    assert [(o["label"], o["count"]) for o in multiple["options"]] == [("环境", 2), ("治安", 1), ("养老", 1)]
    assert multiple["answered"] == 3
    assert [s["count"] for s in scale["scale"]] == [0, 0, 1, 1, 1] and scale["mean"] == 4.0
    assert sorted(text["texts"]) == ["多组织活动", "路灯坏了"] and text["answered"] == 2
    mine = selectors.survey_results(user=sworld.users["worker_a"], survey=survey)  # only community A's answers
    assert mine["total"] == 1
    import datetime as dt

    today = dt.date.today()
    counts = indicators.compute([sworld.nodes["A"], sworld.nodes["S1"], sworld.nodes["S2"]], today - dt.timedelta(days=1), today)
    assert counts[sworld.nodes["S1"].pk] == {"survey_responses": 3, "survey_phone_interviews": 1}
    assert counts[sworld.nodes["A"].pk]["survey_responses"] == 1
    assert counts[sworld.nodes["S2"].pk]["survey_responses"] == 0


def test_past_its_closing_date_a_survey_takes_no_answers(sworld):
    import datetime as dt

    from shequ.surveys.models import Survey

    survey, q = resident_survey(sworld)
    Survey.objects.filter(pk=survey.pk).update(closes_on=dt.date.today() - dt.timedelta(days=1))
    assert not selectors.surveys_to_answer(user=sworld.users["resident_a"]).exists()
    with pytest.raises(InvalidTransition):
        services.response_submit(actor=sworld.users["resident_a"], survey_id=survey.pk, answers=_answers(q))


def test_results_take_a_fixed_number_of_queries(sworld, django_assert_max_num_queries):
    survey, q = resident_survey(sworld)
    for user in ("resident_a", "resident_b"):
        services.response_submit(actor=sworld.users[user], survey_id=survey.pk, answers=_answers(q, text="意见"))
    survey = selectors.survey_get(user=sworld.users["street_s1"], pk=survey.pk)
    with django_assert_max_num_queries(10):
        selectors.survey_results(user=sworld.users["street_s1"], survey=survey)
