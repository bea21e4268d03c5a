"""Operations shared by migrations."""
from __future__ import annotations

from django.db import migrations


def postgresql_sql(forward: str, backward: str) -> migrations.RunPython:
    """Run ``forward`` (and ``backward`` when unapplying) on PostgreSQL; nothing on other databases
    (the feature it builds is PostgreSQL's only, e.g. trigger-kept tables)."""
    def run(sql):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)
        return apply

    return migrations.RunPython(run(forward), run(backward))
