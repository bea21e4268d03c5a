"""A resident-level survey of street S1 with one question of each kind, and helpers."""
from __future__ import annotations

from shequ.surveys import services


def add_users(world) -> None:
    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.core.testing import PASSWORD

    admin = world.users["admin"]
    world.users["street_s2"] = user_create(actor=admin, username="street_s2", password=PASSWORD, role=Role.STREET_STAFF,
                                           nodes=[world.nodes["S2"]])
    world.users["resident_b"] = user_create(actor=admin, username="resident_b", password=PASSWORD, role=Role.RESIDENT,
                                            resident=world.residents["B101h"])
    world.users["resident_c"] = user_create(actor=admin, username="resident_c", password=PASSWORD, role=Role.RESIDENT,
                                            resident=world.residents["C101h"])


def resident_survey(world, *, scope="S1", actor="street_s1", publish=True):
    """Questions: 1 single (满意/一般/不满意), 2 multiple (环境/治安/养老), 3 scale 1–5, 4 free text (optional)."""
    user = world.users[actor]
    survey = services.survey_create(actor=user, scope=world.nodes[scope], title="社区服务满意度调查", level="resident")
    q = {}
    q["single"] = services.question_add(actor=user, survey_id=survey.pk, kind="single", text="您对社区服务是否满意",
                                        options=["满意", "一般", "不满意"])
    q["multiple"] = services.question_add(actor=user, survey_id=survey.pk, kind="multiple", text="您最关心哪些问题",
                                          options=["环境", "治安", "养老"])
    q["scale"] = services.question_add(actor=user, survey_id=survey.pk, kind="scale", text="给社区工作者打分")
    q["text"] = services.question_add(actor=user, survey_id=survey.pk, kind="text", text="其他意见", required=False)
    if publish:
        services.survey_publish(actor=user, survey_id=survey.pk)
    return survey, q


def opt(question, label):
    return next(o.pk for o in question.options.all() if o.label == label)
