"""Node paths with each id zero-padded (``models.path_of``): ordering by path is then the tree's
order with siblings by id on every database, whatever the ids' number of digits."""
from django.db import migrations

BATCH = 2000


#: PostgreSQL: every path rewritten by one UPDATE (``{segment}`` is the SQL of one id ``p``); other
#: databases: in Python, in batches.
_SQL = """UPDATE {table} SET path = '/' || (
    SELECT string_agg({segment} || '/', '' ORDER BY n)
    FROM unnest(string_to_array(trim(both '/' from path), '/')) WITH ORDINALITY AS s(p, n) WHERE p <> ''
) WHERE path <> '/'"""


def _rewrite(apps, schema_editor, segment, sql_segment):
    Node = apps.get_model("jurisdiction", "Node")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_SQL.format(table=schema_editor.quote_name(Node._meta.db_table), segment=sql_segment))
        return
    using = schema_editor.connection.alias
    rows = list(Node.objects.using(using).values_list("id", "path").order_by("id"))
    changed = []
    for pk, path in rows:
        new = "/" + "".join(segment(int(part)) for part in path.strip("/").split("/") if part)
        if new != path:
            changed.append(Node(id=pk, path=new))
    for start in range(0, len(changed), BATCH):
        Node.objects.using(using).bulk_update(changed[start:start + BATCH], ["path"])


def pad(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda pk: f"{pk:010d}/", "lpad(p, 10, '0')")


def unpad(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda pk: f"{pk}/", "(p::bigint)::text")


class Migration(migrations.Migration):

    dependencies = [
        ("jurisdiction", "0002_grid_version_index"),
    ]

    operations = [
        migrations.RunPython(pad, unpad),
    ]
