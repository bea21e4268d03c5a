"""The default skills catalog 志愿服务技能 (edited in the admin afterwards). Re-runnable."""
from django.db import migrations

SKILLS = [
    ("door_visit", "入户走访"), ("elderly_care", "助老服务"), ("first_aid", "医疗急救"), ("legal_aid", "法律咨询"),
    ("tutoring", "课业辅导"), ("repair", "家电维修"), ("psychology", "心理疏导"), ("patrol", "治安巡逻"),
    ("sanitation", "环境整治"), ("emergency_rescue", "应急救援"), ("culture", "文体活动"), ("translation", "翻译/手语"),
]


def load(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for sort, (code, name) in enumerate(SKILLS, start=1):
        Skill.objects.update_or_create(code=code, defaults={"name": name, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
