"""Benchmark "residents under a street": raw SQL, the selector, the JSON API and the page.

Usage (the database must hold the large demo, ``shequ demo --scale large``):

    SHEQU_DATABASE_URL=sqlite:///$PWD/var/bench_lists.sqlite3 .venv/bin/python bench/bench_lists.py
    SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench .venv/bin/python bench/bench_lists.py

Each case runs in-process (django.test.Client, logged in as the demo street user ``street1``)
``--iterations`` times after a warm-up, for page 1 and a deep page (page 100, offset 4,950).
It prints p50/p99/mean in milliseconds and, with ``--markdown``, a table for docs/benchmarks.md.
The raw SQL baseline runs the SQL the selector generates, through a plain cursor, in the same run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure(fn, iterations: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": percentile(times, 50), "p99": percentile(times, 99), "mean": statistics.fmean(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--username", default="street1")
    parser.add_argument("--deep-page", type=int, default=100)
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args()

    # Load Django the way the server does (config.wsgi: setup, then gc.freeze of the loaded code).
    import config.wsgi  # noqa: F401
    from django.conf import settings

    settings.DEBUG = False  # no query log, no debug pages: measure what production runs
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")

    from django.db import connection
    from django.test import Client

    from shequ.accounts.models import User
    from shequ.registry import selectors
    from shequ.registry.models import Resident
    from shequ.web.paging import capped_page

    user = User.objects.get(username=args.username)
    street = user.bindings.select_related("node").get().node
    total = Resident.objects.filter(status="active").count()
    under = Resident.objects.filter(street_id=street.id, status="active").count()
    vendor = connection.vendor
    print(f"{vendor}: {total:,} active residents; street {street.name} (id {street.id}) has {under:,}; "
          f"user {user.username}; {args.iterations} iterations, per page 50")

    client = Client()
    client.force_login(user)
    per_page = 50
    deep_offset = (args.deep_page - 1) * per_page
    results: list[tuple[str, str, dict]] = []

    def qs_for(u):
        return selectors.resident_list(user=u, node=street)

    def raw_sql(offset: int):
        sql, params = qs_for(user)[offset:offset + per_page].query.sql_with_params()
        count_sql, count_params = qs_for(user).order_by()[:1001].query.sql_with_params()

        def run():
            with connection.cursor() as cur:
                cur.execute(sql, params)
                cur.fetchall()
                cur.execute(f"SELECT COUNT(*) FROM ({count_sql}) sub", count_params)
                cur.fetchone()
        return run

    def selector(offset: int):
        def run():
            # Fresh user object each time: bound nodes are cached per user object, as per request.
            u = User.objects.get(pk=user.pk)
            page = capped_page(qs_for(u), offset // per_page + 1)
            rows = [{"id": r.id, "name": r.name, **selectors.masked_personal(r), "tags": [t.code for t in r.tags.all()],
                     "community": r.community.name if r.community_id else "", "grid": r.grid.name if r.grid_id else ""}
                    for r in page.rows]
            assert len(rows) == per_page
        return run

    def api(offset: int):
        url = f"/api/registry/residents?node={street.id}&limit={per_page}&offset={offset}"

        def run():
            response = client.get(url)
            assert response.status_code == 200, (response.status_code, response.content[:300])
        return run

    def page(number: int):
        url = f"/residents/?node={street.id}&page={number}"

        def run():
            response = client.get(url)
            assert response.status_code == 200, (response.status_code, response.content[:300])
        return run

    cases = [
        ("raw SQL (same query + capped count)", raw_sql),
        ("selector + masked rows", selector),
        ("API GET /api/registry/residents", api),
        ("page GET /residents/", page),
    ]
    for label, factory in cases:
        for which, arg in (("page 1", 0), (f"page {args.deep_page}", deep_offset)):
            if factory is page:
                arg = 1 if which == "page 1" else args.deep_page
            try:
                stats = measure(factory(arg), args.iterations, args.warmup)
            except Exception as exc:  # a case that does not exist yet (page or API) is reported, not fatal
                print(f"  {label:40s} {which:9s} FAILED: {exc!r}"[:300])
                continue
            results.append((label, which, stats))
            print(f"  {label:40s} {which:9s} p50 {stats['p50']:7.2f} ms  p99 {stats['p99']:7.2f} ms  mean {stats['mean']:7.2f} ms")

    if args.markdown:
        print(f"\n| {vendor} ({under:,} residents under the street, {total:,} in all) | page | p50 ms | p99 ms | mean ms |")
        print("|---|---|---|---|---|")
        for label, which, stats in results:
            print(f"| {label} | {which} | {stats['p50']:.1f} | {stats['p99']:.1f} | {stats['mean']:.1f} |")


if __name__ == "__main__":
    main()
