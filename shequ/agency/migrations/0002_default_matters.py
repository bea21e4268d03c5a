"""A starter agency catalog 代办事项: matters communities commonly handle on a resident's behalf,
with their step template, materials, deciding level and promised time limit.

Re-runnable: matters are matched by code and only created (with their steps) when missing, so
admin edits survive.
"""
from django.db import migrations

REVIEW = "受理登记|材料收齐|送审({where})|审批|结果送达"
ISSUE = "受理登记|材料收齐|报送({where})|制证|结果送达"
CERTIFY = "受理登记|核实情况|出具证明|结果送达"

# code, name, group, level, department kind, limit value, unit, steps, materials (one per "|")
MATTERS = [
    ("subsistence_allowance", "低保申请", "社会救助", "street", "civil_affairs", 30, "working_days",
     "受理登记|材料收齐|入户调查|送审(街道)|审批|结果送达", "身份证|户口簿|家庭收入情况说明|家庭财产申报表|银行卡复印件"),
    ("temporary_assistance", "临时救助", "社会救助", "street", "civil_affairs", 10, "working_days",
     REVIEW.format(where="街道"), "身份证|户口簿|困难情况说明|相关证明(医疗票据、事故证明等)"),
    ("special_hardship", "特困人员供养", "社会救助", "street", "civil_affairs", 30, "working_days",
     REVIEW.format(where="街道"), "身份证|户口簿|无劳动能力证明|收入财产申报表"),
    ("disability_card", "残疾证办理", "残疾人服务", "department", "civil_affairs", 20, "working_days",
     "受理登记|材料收齐|预约评残|送审(区残联)|审批|结果送达", "身份证|户口簿|近期一寸照片4张|病历或诊断证明"),
    ("disability_subsidy", "残疾人两项补贴", "残疾人服务", "street", "civil_affairs", 20, "working_days",
     REVIEW.format(where="街道"), "身份证|残疾证|户口簿|银行卡复印件"),
    ("elderly_allowance", "高龄津贴", "养老服务", "street", "civil_affairs", 15, "working_days",
     REVIEW.format(where="街道"), "身份证|户口簿|银行卡复印件"),
    ("pension_certification", "养老保险待遇资格认证", "社会保险", "department", "human_resources", 5, "working_days",
     "受理登记|上门采集认证|报送(区人社)|结果送达", "身份证|社保卡"),
    ("medical_insurance", "城乡居民医保参保", "社会保险", "department", "human_resources", 10, "working_days",
     REVIEW.format(where="区医保"), "身份证|户口簿|社保卡或银行卡"),
    ("pension_enrollment", "城乡居民养老保险参保", "社会保险", "department", "human_resources", 10, "working_days",
     REVIEW.format(where="区人社"), "身份证|户口簿|银行卡复印件"),
    ("residence_permit", "居住证办理", "证照办理", "department", "police", 15, "working_days",
     ISSUE.format(where="派出所"), "身份证|近期一寸照片|居住证明(租房合同或房产证)|就业或就学证明"),
    ("family_planning_cert", "计生证明", "证明开具", "community", "", 3, "working_days",
     CERTIFY, "身份证|户口簿|结婚证"),
    ("residence_cert", "居住证明", "证明开具", "community", "", 2, "working_days",
     CERTIFY, "身份证|户口簿或租房合同"),
    ("birth_service", "生育服务登记", "卫生健康", "street", "health", 5, "working_days",
     REVIEW.format(where="街道"), "夫妻双方身份证|户口簿|结婚证"),
    ("unemployment_registration", "失业登记", "就业服务", "street", "human_resources", 5, "working_days",
     REVIEW.format(where="街道"), "身份证|解除劳动合同证明"),
    ("elderly_card", "老年人优待证", "养老服务", "street", "civil_affairs", 10, "working_days",
     ISSUE.format(where="街道"), "身份证|近期一寸照片"),
]


def load(apps, schema_editor):
    Matter = apps.get_model("agency", "Matter")
    MatterStep = apps.get_model("agency", "MatterStep")
    for sort, (code, name, group, level, dept, value, unit, steps, materials) in enumerate(MATTERS, start=1):
        matter, created = Matter.objects.get_or_create(code=code, defaults={
            "name": name, "group": group, "level": level, "department_kind": dept, "limit_value": value,
            "limit_unit": unit, "materials": "\n".join(materials.split("|")), "sort": sort * 10})
        if created:
            MatterStep.objects.bulk_create(
                MatterStep(matter=matter, order=order, name=step) for order, step in enumerate(steps.split("|"), start=1))


class Migration(migrations.Migration):
    dependencies = [("agency", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
