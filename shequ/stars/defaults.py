"""The default star set of a new cycle: ten stars with criteria and score items (100 points each).

The Shawan report (seeds/004) names four of the ten stars — 民族团结 (ethnic unity), 宗教和谐
(religious harmony), 精神文明星 (civility) and 平安建设星 (safety) — and the gates they carry.
It does not list the other six; the six below are this module's defaults, drawn from the duties
the same report gives a community party organization (organization building, the cadre team,
serving residents, democratic management, development, the living environment). Every name,
criterion and item is admin-edited data.
"""
from __future__ import annotations

from .rules import Gate

#: (code, name, gate, criteria, [(item, points), ...])
DEFAULT_STARS: list[tuple[str, str, str, str, list[tuple[str, int]]]] = [
    ("organization", "组织建设星", Gate.NONE, "党组织设置健全,组织生活规范,“两委”班子团结有力。", [
        ("党组织设置规范,按期换届", 30), ("“三会一课”、主题党日等组织生活按时开展、记录完整", 40),
        ("党员发展、管理和党费收缴规范", 30)]),
    ("team", "队伍建设星", Gate.NONE, "社区干部配备齐全,素质过硬,作风扎实。", [
        ("“两委”成员和社区工作者配齐配强", 35), ("干部培训按计划完成", 30), ("无违纪违法、无群众实名投诉查实", 35)]),
    ("service", "服务群众星", Gate.NONE, "一站式服务规范,群众诉求接诉即办、限时办结。", [
        ("一站式服务大厅规范运行,首问负责、限时办结", 40), ("群众诉求按时响应、办结率达标", 35),
        ("全程代办、上门服务落实", 25)]),
    ("democracy", "民主管理星", Gate.NONE, "居(村)务公开,民主决策、协商议事规范。", [
        ("居(村)务、财务按时公开", 35), ("重大事项民主决策、社区协商规范", 40), ("居民公约/村规民约健全并执行", 25)]),
    ("development", "发展经济星", Gate.NONE, "集体经济或社区服务产业有发展,带动群众增收就业。", [
        ("集体经济收入或服务项目有增长", 40), ("就业帮扶、技能培训落实", 35), ("共驻共建资源整合有成效", 25)]),
    ("environment", "生态宜居星", Gate.NONE, "环境整洁,设施完好,人居环境改善。", [
        ("公共区域环境卫生整洁", 40), ("服务阵地和公共设施完好", 30), ("垃圾分类、绿化美化落实", 30)]),
    ("ethnic_unity", "民族团结星", Gate.DOUBLE_FIVE, "深入开展民族团结进步创建,各族群众交往交流交融。", [
        ("民族团结进步创建活动常态开展", 40), ("结对认亲、邻里互助覆盖辖区", 30), ("无影响民族团结的事件", 30)]),
    ("religious_harmony", "宗教和谐星", Gate.DOUBLE_FIVE, "宗教事务依法管理,宗教领域和谐稳定。", [
        ("宗教活动场所和人员依法管理", 40), ("宗教政策法规宣传到位", 30), ("无非法宗教活动", 30)]),
    ("civility", "精神文明星", Gate.CIVILIZED, "社会主义核心价值观深入人心,移风易俗,文明新风。", [
        ("新时代文明实践活动常态开展", 35), ("移风易俗、文明家庭创建有成效", 35), ("志愿服务队伍健全、活动经常", 30)]),
    ("safety", "平安建设星", Gate.SAFE, "矛盾纠纷化解及时,治安稳定,群众安全感高。", [
        ("网格化管理落实,巡查全覆盖", 35), ("矛盾纠纷排查化解及时,无越级上访", 35),
        ("无重大刑事、治安、安全生产事件", 30)]),
]
