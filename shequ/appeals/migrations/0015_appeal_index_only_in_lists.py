"""The appeal's district, street, community, grid and handling-department columns each lead a list
index already: their own single-column indexes go (one index fewer to update per intake each). Only
the indexes are dropped; the foreign keys stay as they are (not dropped and validated again)."""
import django.db.models.deletion
from django.db import migrations, models

#: The single-column indexes Django made for these foreign keys (the same names on every database).
INDEXES = (("appeals_appeal_district_id_c2de186e", "district_id"), ("appeals_appeal_street_id_97cf7298", "street_id"),
           ("appeals_appeal_community_id_399ff694", "community_id"), ("appeals_appeal_grid_id_666e15d6", "grid_id"),
           ("appeals_appeal_handling_department_id_6d9fdd2c", "handling_department_id"))


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0014_event_notify_outbox'),
        ('jurisdiction', '0003_padded_paths'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='appeal',
                    name='community',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='jurisdiction.node', verbose_name='社区/村'),
                ),
                migrations.AlterField(
                    model_name='appeal',
                    name='district',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='jurisdiction.node', verbose_name='区县'),
                ),
                migrations.AlterField(
                    model_name='appeal',
                    name='grid',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='jurisdiction.node', verbose_name='网格'),
                ),
                migrations.AlterField(
                    model_name='appeal',
                    name='handling_department',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='jurisdiction.department', verbose_name='承办部门'),
                ),
                migrations.AlterField(
                    model_name='appeal',
                    name='street',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='jurisdiction.node', verbose_name='街道/乡镇'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name, _column in INDEXES],
                    reverse_sql=[f'CREATE INDEX IF NOT EXISTS "{name}" ON "appeals_appeal" ("{column}")'
                                 for name, column in INDEXES],
                ),
            ],
        ),
    ]
