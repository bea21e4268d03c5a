"""The suite's small world (shequ.core.testing): written back from its first build's rows, it is the
world a build gives — the same rows, objects of each test's own, and ids that later writes do not
collide with."""
import pytest
from django.db import connection, transaction

from shequ.core.testing import _Snapshot
from shequ.jurisdiction.models import Node
from shequ.jurisdiction.services import node_create

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, list[str]]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        return {table: sorted(map(repr, _Snapshot._read(cursor, table)[1])) for table in tables}


def test_a_written_back_world_is_the_built_world():
    snapshot = _Snapshot()
    start = transaction.savepoint()
    built = snapshot.world_for_test()  # the first: built, and its rows kept
    built_rows = _rows()
    transaction.savepoint_rollback(start)
    assert snapshot.usable and snapshot.tables
    assert not Node.objects.filter(code="110105").exists()

    start = transaction.savepoint()
    first = snapshot.world_for_test()
    first.users["worker_a"].display_name = "changed in one test"
    transaction.savepoint_rollback(start)

    if connection.vendor == "postgresql":  # as the access walk does before its world: ids from 1 again
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('jurisdiction_node', 'id'), 1, false)")
    restored = snapshot.world_for_test()  # the next test's: the same rows, objects of its own
    assert _rows() == built_rows
    assert {key: user.pk for key, user in restored.users.items()} == {key: user.pk for key, user in built.users.items()}
    assert restored.users["worker_a"] is not built.users["worker_a"]
    assert restored.users["worker_a"].display_name == built.users["worker_a"].display_name

    # a record made after the world takes an id of its own (PostgreSQL: the sequence is past the rows)
    grid = node_create(actor=None, parent=restored.nodes["A"], level="grid", name="新网格", code="11010500100199")
    assert grid.pk not in {node.pk for node in restored.nodes.values()}
