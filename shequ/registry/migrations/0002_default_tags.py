"""The default controlled vocabulary of resident tags (SPEC M0); edit it in the admin."""
from django.db import migrations

TAGS = [
    ("elderly_alone", "独居老人", "关爱对象", False),
    ("empty_nest", "空巢老人", "关爱对象", False),
    ("elderly_80", "高龄老人", "关爱对象", False),
    ("subsistence", "低保", "社会救助", True),
    ("extreme_poverty", "特困人员", "社会救助", True),
    ("disabled", "残疾人", "关爱对象", True),
    ("floating", "流动人口", "人口管理", False),
    ("tenant", "租户", "人口管理", False),
    ("party_member", "党员", "党建", False),
    ("veteran", "退役军人", "优抚", False),
    ("left_behind_minor", "留守儿童", "关爱对象", False),
    ("left_behind_elderly", "留守老人", "关爱对象", False),
    ("unemployed", "失业人员", "就业", False),
    ("special_care", "重点优抚对象", "优抚", True),
    ("building_lead", "楼栋长", "自治", False),
    ("volunteer", "志愿者", "自治", False),
]


def forwards(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    for sort, (code, name, category, sensitive) in enumerate(TAGS):
        Tag.objects.update_or_create(code=code, defaults={"name": name, "category": category, "sensitive": sensitive, "sort": sort * 10})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
