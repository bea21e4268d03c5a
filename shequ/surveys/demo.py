"""Demo surveys of the demo district (the seed 000 report's 云调研): a resident-level satisfaction survey
over the district with online answers and phone interviews, and a community-level burden survey answered
by community workers. Deterministic (``random.Random(seed)``); written through the services."""
from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from shequ.jurisdiction.models import Level, Node

from . import services
from .models import Answer, Channel, Response, Survey

RESIDENT_QUESTIONS = [
    ("single", "您对本社区的服务总体满意吗?", ["满意", "基本满意", "不满意"]),
    ("multiple", "您最希望社区改进哪些方面?(可多选)", ["环境卫生", "治安防控", "养老服务", "停车管理", "物业服务", "文体活动"]),
    ("scale", "请为社区工作者的服务态度打分", []),
    ("single", "疫情防控期间您是否参与过社区志愿服务?", ["参与过", "没有参与过"]),
    ("text", "您对社区治理还有什么意见建议?", []),
]
COMMUNITY_QUESTIONS = [
    ("scale", "本社区承担的行政事务负担程度(1 很轻 — 5 很重)", []),
    ("multiple", "负担主要来自哪些方面?", ["填表报数", "检查考核", "开具证明", "挂牌", "会议"]),
    ("text", "希望上级在哪些方面给予支持?", []),
]
SUGGESTIONS = ["希望增加老年助餐点", "小区停车位太少", "楼道堆物要清理", "希望多组织亲子活动", "路灯经常不亮", "",
               "物业服务要改进", "加装电梯需要社区协调"]


def _answers(rng: random.Random, survey: Survey) -> list[Answer]:
    rows = []
    for q in survey.questions.all():
        options = list(q.options.all())
        if q.kind == "single":
            rows.append(Answer(question=q, option=rng.choices(options, weights=[60, 30, 10][: len(options)] or None)[0]))
        elif q.kind == "multiple":
            rows += [Answer(question=q, option=o) for o in rng.sample(options, rng.randint(1, 3))]
        elif q.kind == "scale":
            rows.append(Answer(question=q, value=rng.choices(q.scale_values, weights=[3, 7, 20, 40, 30][: len(q.scale_values)])[0]))
        else:
            text = rng.choice(SUGGESTIONS)
            if text:
                rows.append(Answer(question=q, text=text))
    return rows


def _survey(actor, scope, title, level, questions) -> Survey:
    survey = services.survey_create(actor=actor, scope=scope, title=title, level=level,
                                    description="了解群众需求,为改进社区治理提供依据。")
    for kind, text, options in questions:
        services.question_add(actor=actor, survey_id=survey.pk, kind=kind, text=text, options=options,
                              required=kind != "text")
    services.survey_publish(actor=actor, survey_id=survey.pk)
    return Survey.objects.prefetch_related("questions__options").get(pk=survey.pk)


@transaction.atomic
def fill(*, seed: int = 20250630, district_code: str = "379901", responses: int = 120) -> dict[str, int]:
    """Two published surveys with ``responses`` resident answers (a quarter by phone); nothing if present."""
    from shequ.accounts.models import User
    from shequ.registry.models import Resident

    district = Node.objects.filter(code=district_code).first()
    actor = User.objects.filter(username="admin", is_superuser=True).first()
    if district is None or actor is None or Survey.objects.filter(district=district).exists():
        return {}
    rng = random.Random(seed + 7)
    resident_survey = _survey(actor, district, "社区治理满意度云调研", "resident", RESIDENT_QUESTIONS)
    community_survey = _survey(actor, district, "社区减负情况调研(社区层面)", "community", COMMUNITY_QUESTIONS)
    located = list(Resident.objects.filter(district=district, status="active").order_by("id")
                   .values_list("id", flat=True)[: responses * 20])
    chosen = sorted(rng.sample(located, min(responses, len(located))))
    now = timezone.now()
    made = 0
    for pk in chosen:
        resident = Resident.objects.get(pk=pk)
        phone = rng.random() < 0.25
        r = Response(survey=resident_survey, channel=Channel.PHONE if phone else Channel.ONLINE,
                     submitted_at=now - dt.timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600)),
                     interviewee_name=resident.name if phone else "", interview_minutes=rng.randint(3, 15) if phone else None)
        r.copy_location(resident)
        r.save()
        rows = _answers(rng, resident_survey)
        for row in rows:
            row.response = r
        Answer.objects.bulk_create(rows)
        made += 1
    for community in Node.objects.filter(level=Level.COMMUNITY, district=district).order_by("path"):
        if rng.random() < 0.7:
            r = Response(survey=community_survey, channel=Channel.ONLINE, submitted_at=now - dt.timedelta(days=rng.randint(0, 20)))
            r.copy_location(community)
            r.save()
            rows = _answers(rng, community_survey)
            for row in rows:
                row.response = r
            Answer.objects.bulk_create(rows)
            made += 1
    return {"surveys": 2, "responses": made}
