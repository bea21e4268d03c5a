"""What the dashboard and the report expect: sections in the reports' order, and the modules that
provide the "overall situation" figures. A module not installed shows as an empty section
("not yet available"), never as an error.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

#: Dashboard and report sections, in order (an indicator's ``section`` is one of these keys).
SECTIONS = (
    ("overall", _("总体情况")),
    ("appeals", _("接诉即办")),
    ("burden", _("准入与减负")),
    ("party", _("党建引领")),
    ("workforce", _("社区工作者与经费")),
    ("facilities", _("服务设施")),
    ("other", _("其他")),
)
SECTION_LABELS = dict(SECTIONS)

#: The modules the reports' overall situation draws on -> (section, what they bring). Those that
#: are not installed are listed as "not yet available" in their section.
EXPECTED_MODULES = {
    "shequ.registry": ("overall", _("社区数、户数、人口结构")),
    "shequ.appeals": ("appeals", _("三率、按时办结率、超期诉求")),
    "shequ.workforce": ("workforce", _("社区工作者数、每社区工作者数、每名工作者服务户数、薪酬、经费与设施覆盖率")),
    "shequ.socialorgs": ("overall", _("每社区社会组织数")),
    "shequ.party": ("party", _("党组织覆盖率、党建联席会议")),
    "shequ.admission": ("burden", _("准入事项、负担指数")),
    "shequ.stars": ("party", _("星级评定")),
    "shequ.surveys": ("other", _("调研问卷结果")),
}

#: Modules whose missing figures get a "not yet available" card in the overall situation (the
#: reports' overall figures: workers, social organizations, party coverage, burden).
HEADLINE_MODULES = ("shequ.workforce", "shequ.socialorgs", "shequ.party", "shequ.admission")

#: Keys drawn first, in this order, in the overall situation (others follow in provider order).
HEADLINE_ORDER = (
    "communities", "households", "residents", "households_per_community", "workers", "workers_per_community",
    "households_per_worker", "socialorgs_per_community", "party_coverage", "facility_coverage", "worker_pay",
    "appeals_response_rate", "appeals_resolution_rate", "appeals_satisfaction_rate", "appeals_on_time_rate",
    "appeals_overdue", "burden_index",
)
#: The levels the dashboard and the report work at (communities and villages count under each).
LEVELS = ("city", "district", "street", "community")
