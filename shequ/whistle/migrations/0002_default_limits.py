"""The default time limits per urgency (docs/whistle.md); only missing rows are created, so admin
edits survive a re-run."""
from django.db import migrations

DEFAULTS = [
    # urgency, report on site (minutes), reply value, reply unit
    ("urgent", 30, 24, "hours"),
    ("important", 120, 3, "working_days"),
    ("normal", 24 * 60, 5, "working_days"),
]


def load(apps, schema_editor):
    Limit = apps.get_model("whistle", "WhistleTimeLimit")
    for urgency, minutes, value, unit in DEFAULTS:
        Limit.objects.get_or_create(urgency=urgency, defaults={"report_minutes": minutes, "reply_value": value,
                                                               "reply_unit": unit})


class Migration(migrations.Migration):
    dependencies = [("whistle", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
