"""Shared test setup: a small world of two streets and three communities, and a user per role.

``build_world()`` returns a ``World`` with nodes, houses, households, residents and users:

    city 测试市 > district 测试区 > street S1 (community A, community B), street S2 (community C)
    each community > grid > building (with a standard address) > 2 houses > 1 household > 2 residents

Users (password ``pass12345``): admin, street_s1 (bound to S1), worker_a (community A),
worker_b (community B), grid_a (A's grid), dept (civil affairs, district), office (district office),
leader (district), resident_a (resident of A), worker_a_unmask (A, with the unmask permission).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from shequ.core.idcard import make_id_number

#: The database task backend (production's) for tests that need real task rows, with the settings' queues.
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASKS["default"]["QUEUES"]}}

PASSWORD = "pass12345"


@dataclass
class World:
    nodes: dict = field(default_factory=dict)
    houses: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    residents: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    departments: dict = field(default_factory=dict)


def build_world() -> World:
    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.jurisdiction.models import Department
    from shequ.jurisdiction.services import node_create
    from shequ.registry import services as reg

    w = World()
    n = w.nodes
    n["city"] = node_create(actor=None, parent=None, level="city", kind="city", name="测试市", code="110000")
    n["district"] = node_create(actor=None, parent=n["city"], level="district", kind="district", name="测试区", code="110105")
    n["S1"] = node_create(actor=None, parent=n["district"], level="street", kind="street", name="一街道", code="110105001")
    n["S2"] = node_create(actor=None, parent=n["district"], level="street", kind="township", name="二乡", code="110105002")
    admin = user_create(actor=None, username="admin", password=PASSWORD, role=Role.ADMIN, display_name="管理员", is_staff=True)
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    w.users["admin"] = admin
    seq = 0
    for key, street, kind, name, code in (("A", "S1", "community", "甲社区", "110105001001"),
                                          ("B", "S1", "community", "乙社区", "110105001002"),
                                          ("C", "S2", "village", "丙村", "110105002001")):
        community = node_create(actor=None, parent=n[street], level="community", kind=kind, name=name, code=code)
        grid = node_create(actor=None, parent=community, level="grid", name=f"{name}第1网格", code=f"{code}01",
                           boundary={"type": "Polygon", "coordinates": [[[116.0 + seq, 39.0], [116.5 + seq, 39.0], [116.5 + seq, 39.5], [116.0 + seq, 39.5], [116.0 + seq, 39.0]]]})
        building = node_create(actor=None, parent=grid, level="building", name="1", code=f"{code}0101")
        n[key], n[f"{key}_grid"], n[f"{key}_building"] = community, grid, building
        reg.building_address_set(actor=admin, building=building, road=f"{name}路", number=str(10 + seq), compound_name=f"{name}小区", building_no="1")
        for room in ("101", "102"):
            seq += 1
            house = reg.house_create(actor=admin, building=building, room=room, floor=1, area=80,
                                     use="rented" if room == "102" else "owner_occupied")
            w.houses[f"{key}{room}"] = house
            household = reg.household_create(actor=admin, house=house, number=f"H{code}{room}")
            w.households[f"{key}{room}"] = household
            for idx, (rel, pname) in enumerate((("户主", f"{name}{room}户主"), ("配偶", f"{name}{room}配偶"))):
                birth = dt.date(1950 + seq * 3 + idx, 1 + idx, 10 + seq)
                resident = reg.resident_create(
                    actor=admin, household=household, name=pname, relation=rel,
                    id_number=make_id_number("110105", birth, seq * 10 + idx + 1),
                    phone=f"1380000{seq:02d}{idx:02d}",
                    tags=["elderly_alone"] if (room == "101" and idx == 0) else [],
                )
                w.residents[f"{key}{room}{'h' if idx == 0 else 's'}"] = resident
    dept = Department.objects.create(district=n["district"], kind="civil_affairs", name="民政局", code="D-MZ")
    w.departments["civil"] = dept
    spec = {
        "street_s1": (Role.STREET_STAFF, [n["S1"]], []),
        "worker_a": (Role.COMMUNITY_WORKER, [n["A"]], []),
        "worker_b": (Role.COMMUNITY_WORKER, [n["B"]], []),
        "grid_a": (Role.GRID_WORKER, [n["A_grid"]], []),
        "dept": (Role.DEPARTMENT, [], [dept]),
        "office": (Role.DISTRICT_OFFICE, [n["district"]], []),
        "leader": (Role.LEADER, [n["district"]], []),
    }
    for username, (role, nodes, depts) in spec.items():
        w.users[username] = user_create(actor=admin, username=username, password=PASSWORD, role=role, nodes=nodes, departments=depts)
    w.users["worker_a_unmask"] = user_create(actor=admin, username="worker_a_unmask", password=PASSWORD,
                                             role=Role.COMMUNITY_WORKER, nodes=[n["A"]], unmask=True)
    w.users["resident_a"] = user_create(actor=admin, username="resident_a", password=PASSWORD, role=Role.RESIDENT,
                                        resident=w.residents["A101h"])
    return w


def in_own_connection(work):
    """Run ``work`` in a thread with its own database connection (autocommit: it commits for real,
    outside the test's transaction) and return its result; its exception is raised here."""
    import threading

    from django.db import connection

    box = {}

    def run():
        try:
            box["result"] = work()
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("result")


class _Snapshot:
    """The rows ``build_world`` writes, read once per test process and written again for each later
    test that asks for the world (the ``world`` fixture): building it through the services took
    about 0.2 s a test, more than most tests themselves; writing its rows back takes a few ms.

    The rows are what the build added to every table (the tables' contents before and after,
    compared); the ``World`` comes back from a pickle of the first build's, so each test gets
    objects of its own. The ids are the first build's: on SQLite the same as a new build's (its
    sequences roll back with the test), on PostgreSQL each restored table's sequence is moved past
    them. Should the build change a row that was there before it (not only add rows), or add rows
    to a table with triggers that write elsewhere, nothing is kept and every test builds anew.
    """

    #: tables whose triggers write other tables: rows written back would be counted twice
    TRIGGERED = frozenset({"appeals_appeal"})

    def __init__(self):
        self.tables: list[tuple[str, list[str], list[tuple]]] | None = None
        self.world: bytes | None = None
        self.usable = True
        #: PostgreSQL: the statement that moves each restored table's sequence past the ids written
        self.sequences_sql = ""

    @staticmethod
    def _read(cursor, table: str) -> tuple[list[str], list[tuple]]:
        cursor.execute(f'SELECT * FROM "{table}"')
        return [c[0] for c in cursor.description], [tuple(row) for row in cursor.fetchall()]

    def world_for_test(self) -> World:
        import pickle

        from django.db import connection

        if self.world is not None:
            self._restore()
            return pickle.loads(self.world)  # noqa: S301 - our own pickle, made in this process
        if not self.usable:
            return build_world()
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        with connection.cursor() as cursor:
            before = {table: self._read(cursor, table) for table in tables}
            world = build_world()
            kept = []
            for table in tables:
                columns, rows = self._read(cursor, table)
                old = {repr(row) for row in before[table][1]}
                new = [row for row in rows if repr(row) not in old]
                if len(rows) - len(new) != len(old) or (new and table in self.TRIGGERED):
                    self.usable = False  # a row changed or went, or a trigger would write twice
                    return world
                if new:
                    kept.append((table, columns, [_adapt(row) for row in new]))
            if connection.vendor == "postgresql":
                self.sequences_sql = _sequences_sql(cursor, [table for table, columns, _rows in kept if "id" in columns])
        self.tables = kept
        self.world = pickle.dumps(world)
        return world

    def _restore(self) -> None:
        from django.db import connection, transaction

        qn = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns, rows in self.tables:
                cursor.executemany(f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
                                   f"VALUES ({', '.join(['%s'] * len(columns))})", rows)
            if self.sequences_sql:
                cursor.execute(self.sequences_sql)


def _adapt(row: tuple) -> tuple:
    """Values read back as Python containers (PostgreSQL json) written as JSON."""
    if not any(isinstance(v, dict) for v in row):
        return row
    from psycopg.types.json import Jsonb

    return tuple(Jsonb(v) if isinstance(v, dict) else v for v in row)


def _sequences_sql(cursor, tables: list[str]) -> str:
    """PostgreSQL: one statement that moves the ``id`` sequence of each of ``tables`` that has one
    past the largest id in it ("" when none has)."""
    moved = []
    for table in tables:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{table}"'])
        sequence = cursor.fetchone()[0]
        if sequence is not None:
            moved.append(f"setval('{sequence}', GREATEST((SELECT MAX(\"id\") FROM \"{table}\"), nextval('{sequence}')))")
    return "SELECT " + ", ".join(moved) if moved else ""


_snapshot = _Snapshot()


def world_for_test() -> World:
    """The small world for one test: built by the first test of the process that asks, written back
    from its rows for the others (``_Snapshot``)."""
    return _snapshot.world_for_test()
