"""A few extra questions (Open311 service definition attributes) for common categories.

Re-runnable: an attribute that exists (category, code) is left as the admin edited it; a
category missing from the catalog is skipped.
"""
from django.db import migrations

TIME_OF_DAY = [{"key": "day", "name": "白天(6–22时)"}, {"key": "night", "name": "夜间(22–6时)"},
               {"key": "all_day", "name": "全天"}]

#: category code -> [(code, description, datatype, required, datatype_description, values, variable)]
ATTRIBUTES = {
    "noise_neighbor": [
        ("time_of_day", "噪声主要出现在什么时段?", "singlevaluelist", True, "", TIME_OF_DAY, True),
        ("source", "噪声来源", "multivaluelist", False, "可多选",
         [{"key": "renovation", "name": "装修"}, {"key": "music", "name": "音响/乐器"},
          {"key": "pets", "name": "宠物"}, {"key": "other", "name": "其他"}], True),
    ],
    "noise_construction": [
        ("time_of_day", "施工噪声出现在什么时段?", "singlevaluelist", True, "", TIME_OF_DAY, True),
        ("site_name", "工地名称(如知道)", "string", False, "", [], True),
    ],
    "parking_illegal": [
        ("plate_number", "车牌号(可不填)", "string", False, "如 京A12345", [], True),
        ("blocking", "是否堵塞消防通道或出入口?", "singlevaluelist", False, "",
         [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}], True),
    ],
    "vehicle_abandoned": [
        ("plate_number", "车牌号(可不填)", "string", False, "如 京A12345", [], True),
        ("parked_since", "大约从什么时候开始停放", "datetime", False, "日期时间,如 2026-10-01T08:00:00+08:00", [], True),
    ],
    "elevator_fault": [
        ("building_unit", "楼号和单元", "string", True, "如 3号楼2单元", [], True),
        ("fault", "故障现象", "multivaluelist", False, "可多选",
         [{"key": "stopped", "name": "停运"}, {"key": "noise", "name": "异响"},
          {"key": "door", "name": "门开关异常"}, {"key": "buttons", "name": "按钮失灵"}], True),
    ],
    "street_light": [
        ("lights_out", "不亮的路灯数量", "number", False, "整数", [], True),
    ],
    "water_outage": [
        ("since", "停水开始时间", "datetime", False, "日期时间,如 2026-11-26T07:00:00+08:00", [], True),
        ("details", "影响范围说明", "text", False, "楼栋、户数等,可换行", [], True),
    ],
    "gas_leak": [
        ("safety", "闻到燃气味请立即开窗、关闭阀门、离开现场,不要开关电器,并拨打燃气抢修电话。", "string", False, "",
         [], False),
    ],
}


def load(apps, schema_editor):
    ServiceCategory = apps.get_model("appeals", "ServiceCategory")
    ServiceAttribute = apps.get_model("open311", "ServiceAttribute")
    categories = {c.code: c for c in ServiceCategory.objects.filter(code__in=list(ATTRIBUTES))}
    for category_code, attributes in ATTRIBUTES.items():
        category = categories.get(category_code)
        if category is None:
            continue
        for order, (code, description, datatype, required, hint, values, variable) in enumerate(attributes, start=1):
            if ServiceAttribute.objects.filter(category=category, code=code).exists():
                continue
            if ServiceAttribute.objects.filter(category=category, order=order).exists():
                continue
            ServiceAttribute.objects.create(
                category=category, code=code, description=description, datatype=datatype, required=required,
                datatype_description=hint, values=values, variable=variable, order=order)


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial"), ("appeals", "0002_default_catalog")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
