"""Benchmark importing residents from CSV against a raw-insert baseline, in the same run.

    .venv/bin/python bench/bench_import.py                      # SQLite then PostgreSQL, 1,000,000 rows
    .venv/bin/python bench/bench_import.py --rows 100000 --db sqlite

For each database the script builds a fresh database (SQLite: a temporary file; PostgreSQL:
``shequ_bench_import`` on 127.0.0.1, user postgres) with the tree, 50,000 houses and
households (raw bulk inserts), snapshots it, writes a CSV of ``--rows`` residents with valid
ID numbers and then, each on a fresh copy of the snapshot:

* import: the real code path (``shequ.transfer.services.import_job_run``: read, parse,
  validate, encrypt, resolve households and scope, write in batches, memberships, tags, audit);
* baseline: the same rows, already prepared (encrypted, hashed, resolved), written into the
  same ``registry_resident`` table with the same indexes by ``executemany`` (sqlite3) or
  ``COPY`` (psycopg), in one transaction.

It prints rows/s of both and their ratio.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_HOST, PG_USER, PG_DB = "127.0.0.1", "postgres", "shequ_bench_import"
COMMUNITIES, BUILDINGS_PER_COMMUNITY, HOUSES_PER_BUILDING = 10, 50, 100


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _fresh_copy(db: str, template: str, target: str) -> None:
    """Give the Django connection a fresh copy of the snapshot database."""
    from django.db import connection

    connection.close()
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)
        shutil.copyfile(template, target)
    else:
        _pg_admin(f"DROP DATABASE IF EXISTS {target}")
        _pg_admin(f"CREATE DATABASE {target} TEMPLATE {template}")
    connection.settings_dict["NAME"] = target


def build_world(tmp: Path) -> dict[str, str]:
    """The tree, houses and households (bulk inserts) and an importing street user."""
    from django.core.management import call_command

    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.jurisdiction.services import node_create
    from shequ.registry import addresses
    from shequ.registry.models import Address, House, Household

    call_command("migrate", verbosity=0)
    city = node_create(actor=None, parent=None, level="city", kind="city", name="基准市", code="110000", audit=False)
    district = node_create(actor=None, parent=city, level="district", kind="district", name="基准区", code="110105", audit=False)
    street = node_create(actor=None, parent=district, level="street", kind="street", name="基准街道", code="110105001", audit=False)
    households: dict[str, str] = {}
    for c in range(COMMUNITIES):
        code = f"110105001{c + 1:03d}"
        community = node_create(actor=None, parent=street, level="community", kind="community", name=f"社区{c}", code=code, audit=False)
        grid = node_create(actor=None, parent=community, level="grid", name=f"网格{c}", code=f"{code}01", audit=False)
        addresses_batch, houses, holds = [], [], []
        buildings = [node_create(actor=None, parent=grid, level="building", name=str(b + 1), code=f"{code}01{b + 1:02d}", audit=False)
                     for b in range(BUILDINGS_PER_COMMUNITY)]
        for building in buildings:
            for h in range(HOUSES_PER_BUILDING):
                room = f"{h // 4 + 1}{h % 4 + 1:02d}"
                full = addresses.compose(road="基准路", number=str(c + 1), building_no=building.name, room=room)
                address = Address(kind=Address.Kind.HOUSE, road="基准路", number=str(c + 1), building_no=building.name, room=room,
                                  full_text=full, search_text=addresses.normalize(full))
                address.copy_location(building)
                addresses_batch.append(address)
        Address.objects.bulk_create(addresses_batch, batch_size=2000)
        for address in addresses_batch:
            house = House(code=f"{address.building_id}-0-{address.room}", address=address, room=address.room)
            house.copy_location(address)
            houses.append(house)
        House.objects.bulk_create(houses, batch_size=2000)
        for house in houses:
            household = Household(number=f"H{code}{house.id:07d}", house=house)
            household.copy_location(house)
            holds.append(household)
        Household.objects.bulk_create(holds, batch_size=2000)
        households.update({h.number: code for h in holds})
    user_create(actor=None, username="bench_street", password="bench-pass-12345", role=Role.STREET_STAFF, nodes=[street])
    return households


def write_csv(path: Path, rows: int, households: dict[str, str]) -> None:
    from shequ.core.idcard import make_id_number

    numbers = list(households)
    base = dt.date(1940, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["身份证号", "姓名", "联系电话", "户号", "与户主关系", "人口类型", "标签", "社区代码"])
        for n in range(rows):
            number = numbers[n % len(numbers)]
            writer.writerow([make_id_number("110105", base + dt.timedelta(days=n // 1000), n % 1000), f"居民{n}", f"139{n:08d}",
                             number, "户主" if n < len(numbers) else "其他", "户籍人口", "党员" if n % 10 == 0 else "",
                             households[number]])


def run_import(csv_path: Path, media: Path) -> float:
    from django.conf import settings

    from shequ.accounts.models import User
    from shequ.transfer.models import ImportJob
    from shequ.transfer.services import import_job_run

    settings.MEDIA_ROOT = str(media)
    user = User.objects.get(username="bench_street")
    job = ImportJob.objects.create(file=csv_path.name, original_name=csv_path.name, kind="residents", mode="whole", created_by=user)
    started = time.perf_counter()
    import_job_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != ImportJob.Status.DONE:
        raise SystemExit(f"import did not finish: {job.status} {job.message} {list(job.errors.values_list('row', 'message')[:5])}")
    return elapsed


def prepared_rows(csv_path: Path) -> list[tuple]:
    """The CSV's rows, prepared exactly as the import prepares them (not timed)."""
    from shequ.registry.models import Household
    from shequ.transfer.columns import match_headers
    from shequ.transfer.importers import LOCATION, ResidentWriter
    from shequ.transfer.rows import RowPreparer
    from shequ.transfer.services import _tag_map

    from django.db import connection
    from django.utils import timezone

    hh = {row[0]: row[1:] for row in Household.objects.values_list("number", "id", "house_id", "head_id", *LOCATION)}
    writer = ResidentWriter(actor=None, job_id=None, node_id=None)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with csv_path.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        positions, _missing, _dup = match_headers("residents", next(reader))
        prepare = RowPreparer("residents", positions, _tag_map())
        rows = []
        for rid, cells in enumerate(reader, start=1):
            data, _errors = prepare(cells)
            data["hh"] = hh[data["household"]]
            rows.append(writer.record(rid, data, now))
    return rows, writer.columns, writer.table


def run_baseline(db: str, rows: list[tuple], columns: list[str], table: str, target: str) -> float:
    from django.db import connection

    connection.close()
    if db == "sqlite":
        import sqlite3

        raw = sqlite3.connect(target, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA cache_size=-65536")
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        started = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany(sql, rows)
        raw.execute("COMMIT")
        elapsed = time.perf_counter() - started
        raw.close()
        return elapsed
    import psycopg

    with psycopg.connect(host=PG_HOST, user=PG_USER, dbname=target) as raw:
        started = time.perf_counter()
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        return time.perf_counter() - started


def bench_one(db: str, rows: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="shequ-bench-import-"))
    try:
        if db == "sqlite":
            template, target = str(tmp / "template.sqlite3"), str(tmp / "run.sqlite3")
            os.environ["SHEQU_DATABASE_URL"] = f"sqlite:///{template}"
        else:
            template, target = f"{PG_DB}_tpl", PG_DB
            _pg_admin(f"DROP DATABASE IF EXISTS {target}")
            _pg_admin(f"DROP DATABASE IF EXISTS {template}")
            _pg_admin(f"CREATE DATABASE {template}")
            os.environ["SHEQU_DATABASE_URL"] = f"postgres://{PG_USER}@{PG_HOST}:5432/{template}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        settings.DEBUG = False  # as in production: no query log
        connection.settings_dict["CONN_MAX_AGE"] = 0
        started = time.perf_counter()
        households = build_world(tmp)
        csv_path = tmp / "residents.csv"
        write_csv(csv_path, rows, households)
        print(f"[{db}] setup {time.perf_counter() - started:.1f}s: {len(households)} households, "
              f"CSV {csv_path.stat().st_size / 2**20:.1f} MB, {rows} rows", flush=True)
        connection.close()

        _fresh_copy(db, template, target)
        import_seconds = run_import(csv_path, tmp)
        _fresh_copy(db, template, target)
        prepared, columns, table = prepared_rows(csv_path)
        baseline_seconds = run_baseline(db, prepared, columns, table, target)
        imported, baseline = rows / import_seconds, rows / baseline_seconds
        print(f"[{db}] import   {rows} rows in {import_seconds:7.2f}s = {imported:9,.0f} rows/s", flush=True)
        print(f"[{db}] baseline {rows} rows in {baseline_seconds:7.2f}s = {baseline:9,.0f} rows/s "
              f"({'executemany' if db == 'sqlite' else 'COPY'})", flush=True)
        print(f"[{db}] ratio    {imported / baseline:.1%}", flush=True)
        connection.close()
        if db == "postgresql":
            _pg_admin(f"DROP DATABASE IF EXISTS {target}")
            _pg_admin(f"DROP DATABASE IF EXISTS {template}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.db == "both":
        # One process per database: Django binds to one database engine per process.
        for db in ("sqlite", "postgresql"):
            subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--db", db], check=True)
        return
    bench_one(args.db, args.rows)


if __name__ == "__main__":
    main()
