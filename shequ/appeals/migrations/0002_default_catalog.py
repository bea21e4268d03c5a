"""Default time-limit classes (SPEC M1, Beijing 12345 norms) and a starter service catalog.

Re-runnable: rows are matched by code and only created when missing, so admin edits survive.
"""
from django.db import migrations

# code, name, dispatch hours, response hours, completion value, completion unit, sort
CLASSES = [
    ("emergency", "紧急(危及生命财产安全)", 1, 1, 2, "hours", 10),
    ("utilities", "水电气热", 2, 2, 24, "hours", 20),
    ("general", "一般", 24, 24, 7, "working_days", 30),
    ("complex", "复杂疑难", 24, 24, 15, "working_days", 40),
]

# code, name, group, unit kind, department kind, class, contact kind
CATEGORIES = [
    ("property_repair", "物业报修", "物业管理", "community", "", "general", "help"),
    ("property_service", "物业服务质量", "物业管理", "community", "", "general", "complaint"),
    ("property_fee", "物业收费纠纷", "物业管理", "community", "", "complex", "complaint"),
    ("house_leak", "房屋漏水", "物业管理", "community", "", "general", "help"),
    ("elevator_fault", "电梯故障", "物业管理", "department", "market", "utilities", "help"),
    ("elevator_trapped", "电梯困人", "物业管理", "department", "emergency", "emergency", "help"),
    ("garbage_collection", "垃圾清运不及时", "市容环境", "street", "", "general", "complaint"),
    ("garbage_sorting", "垃圾分类", "市容环境", "community", "", "general", "suggestion"),
    ("sanitation", "环境卫生脏乱", "市容环境", "grid", "", "general", "complaint"),
    ("greening", "绿化养护", "市容环境", "street", "", "general", "help"),
    ("illegal_construction", "违法建设", "市容环境", "department", "urban_management", "complex", "report"),
    ("street_vendor", "占道经营", "市容环境", "department", "urban_management", "general", "complaint"),
    ("noise_neighbor", "邻里噪声", "噪声扰民", "grid", "", "general", "complaint"),
    ("noise_construction", "施工噪声", "噪声扰民", "department", "ecology", "general", "complaint"),
    ("noise_business", "商业经营噪声", "噪声扰民", "department", "urban_management", "general", "complaint"),
    ("parking_compound", "小区停车管理", "交通停车", "community", "", "general", "complaint"),
    ("parking_illegal", "违章停车", "交通停车", "department", "police", "general", "report"),
    ("vehicle_abandoned", "僵尸车", "交通停车", "department", "police", "general", "report"),
    ("shared_bikes", "共享单车乱停放", "交通停车", "department", "urban_management", "general", "complaint"),
    ("road_damage", "道路破损", "市政设施", "department", "housing", "general", "help"),
    ("street_light", "路灯不亮", "市政设施", "department", "urban_management", "utilities", "help"),
    ("water_outage", "停水", "水电气热", "department", "water", "utilities", "help"),
    ("water_quality", "水质问题", "水电气热", "department", "water", "utilities", "complaint"),
    ("sewer_blocked", "下水道堵塞", "水电气热", "department", "water", "utilities", "help"),
    ("power_outage", "停电", "水电气热", "district", "", "utilities", "help"),
    ("gas_supply", "燃气供应", "水电气热", "department", "housing", "utilities", "help"),
    ("gas_leak", "燃气泄漏", "水电气热", "department", "emergency", "emergency", "report"),
    ("heating", "供暖不热", "水电气热", "department", "housing", "utilities", "complaint"),
    ("elderly_care", "养老服务", "养老助残", "community", "", "general", "help"),
    ("elderly_alone", "独居老人求助", "养老助残", "grid", "", "emergency", "help"),
    ("disability_support", "残疾人帮扶", "养老助残", "community", "", "general", "help"),
    ("subsistence_allowance", "低保申请", "社会救助", "department", "civil_affairs", "complex", "help"),
    ("temporary_assistance", "临时救助", "社会救助", "department", "civil_affairs", "general", "help"),
    ("residence_certificate", "居住证明", "证明办理", "community", "", "general", "help"),
    ("other_certificate", "其他证明开具", "证明办理", "community", "", "general", "consultation"),
    ("household_registration", "户籍办理", "证明办理", "department", "police", "general", "consultation"),
    ("neighbor_dispute", "邻里纠纷", "矛盾调解", "community", "", "general", "help"),
    ("rental_housing", "出租房屋管理", "平安建设", "grid", "", "general", "report"),
    ("public_security", "治安隐患", "平安建设", "department", "police", "emergency", "report"),
    ("fire_hazard", "消防隐患(楼道堆物、飞线充电)", "平安建设", "grid", "", "general", "report"),
    ("fire_lane", "消防通道占用", "平安建设", "department", "emergency", "general", "report"),
    ("dogs", "不文明养犬", "平安建设", "department", "police", "general", "complaint"),
    ("food_safety", "食品安全", "市场监管", "department", "market", "general", "report"),
    ("community_health", "社区医疗卫生", "医疗卫生", "department", "health", "general", "help"),
    ("employment", "就业服务", "就业社保", "department", "human_resources", "general", "consultation"),
    ("social_insurance", "社保医保", "就业社保", "department", "human_resources", "general", "consultation"),
    ("pollution", "环境污染", "生态环境", "department", "ecology", "complex", "report"),
    ("suggestion", "意见建议", "其他", "district", "", "complex", "suggestion"),
    ("other", "其他诉求", "其他", "district", "", "general", "help"),
]


def load(apps, schema_editor):
    TimeLimitClass = apps.get_model("appeals", "TimeLimitClass")
    ServiceCategory = apps.get_model("appeals", "ServiceCategory")
    classes = {}
    for code, name, dispatch, response, value, unit, sort in CLASSES:
        classes[code], _ = TimeLimitClass.objects.get_or_create(code=code, defaults={
            "name": name, "dispatch_hours": dispatch, "response_hours": response,
            "completion_value": value, "completion_unit": unit, "sort": sort})
    for sort, (code, name, group, unit_kind, dept_kind, cls, contact) in enumerate(CATEGORIES, start=1):
        ServiceCategory.objects.get_or_create(code=code, defaults={
            "name": name, "group": group, "unit_kind": unit_kind, "department_kind": dept_kind,
            "time_limit": classes[cls], "contact_kind": contact, "sort": sort * 10})


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
