"""Node paths with each id zero-padded (``models.path_of``): ordering by path is then the tree's
order with siblings by id on every database, whatever the ids' number of digits."""
from django.db import migrations

BATCH = 2000


def _rewrite(apps, schema_editor, segment):
    Node = apps.get_model("jurisdiction", "Node")
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
    _rewrite(apps, schema_editor, lambda pk: f"{pk:010d}/")


def unpad(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda pk: f"{pk}/")


class Migration(migrations.Migration):

    dependencies = [
        ("jurisdiction", "0002_grid_version_index"),
    ]

    operations = [
        migrations.RunPython(pad, unpad),
    ]
