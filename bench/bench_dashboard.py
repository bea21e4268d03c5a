"""Benchmark the indicator dashboard and the governance report of a whole district, beside the raw
SQL that computes the same figures, in one run.

Usage (the database must hold the large demo, ``shequ demo --scale large``):

    export SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench_report
    .venv/bin/shequ migrate && .venv/bin/shequ demo --scale large
    .venv/bin/python bench/bench_dashboard.py --iterations 30 --reports 2

Cases, as the demo district leader ``leader`` (bound to the district; the dashboard shows the
district, its streets and — its only sibling in scope — itself):

* raw SQL: the same figures by hand — one pass per table over the district grouped by street
  (communities, households, residents with the 60+ and floating counts; the district is their
  sum) and the appeals' daily-table rows per street and for the district — through a cursor;
* the dashboard selector and page ``GET /indicators/`` with the cache off
  (``SHEQU_INDICATORS_CACHE_SECONDS=0``), first counting the registry live (tally off), then
  after rebuilding the registry tally (timed), with the raw SQL over the tally beside them;
* the page with the tally and the 60 s cache warm;
* the governance report of the district (figures, problems, .docx and .pdf), ``--reports`` times.

Prints p50/p99/mean in milliseconds; ``--markdown`` also prints a table for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.bench_lists import measure  # noqa: E402


#: One pass per table over the district, per street (the district's figures are the sum).
RAW_REGISTRY = """
SELECT 'c', street_id, count(*), 0, 0 FROM jurisdiction_node WHERE level = 'community' AND district_id = %(d)s GROUP BY 2
UNION ALL
SELECT 'h', street_id, count(*), 0, 0 FROM registry_household WHERE district_id = %(d)s GROUP BY 2
UNION ALL
SELECT 'r', street_id, count(*), count(*) FILTER (WHERE birth_date < %(born)s),
       count(*) FILTER (WHERE residence_type = 'floating')
FROM registry_resident WHERE status = 'active' AND district_id = %(d)s GROUP BY 2
"""
#: The same registry figures from the tally (per community and birth year), summed per street.
RAW_TALLY = """
SELECT 'c', street_id, count(*), 0, 0 FROM jurisdiction_node WHERE level = 'community' AND district_id = %(d)s GROUP BY 2
UNION ALL
SELECT 't', street_id, sum(households), sum(residents), sum(residents) FILTER (WHERE birth_year <= %(year)s)
FROM indicators_registrytally WHERE district_id = %(d)s GROUP BY 2
"""
RAW_APPEALS = """
SELECT fact, {key}, sum(n), sum(ok), sum(solved), sum(satisfied), sum(basic) FROM appeals_rate_day
WHERE district_id = ANY(%(districts)s) AND dim = %(dim)s AND day >= %(start)s AND day <= %(end)s {extra}
GROUP BY 1, 2
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--reports", type=int, default=2)
    parser.add_argument("--username", default="leader")
    parser.add_argument("--start", default="2025-01-01")
    parser.add_argument("--end", default="2025-06-30")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    import config.wsgi  # noqa: F401
    from django.conf import settings

    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from shequ.accounts.models import User
    from shequ.indicators import selectors, services
    from shequ.registry.models import Resident

    start, end = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    user = User.objects.get(username=args.username)
    district = selectors.default_node(user)
    streets = selectors.children_of(district)
    residents = Resident.objects.filter(district_id=district.pk, status="active").count()
    print(f"{connection.vendor}: district {district.name} (id {district.pk}), {len(streets)} streets, "
          f"{residents:,} active residents; period {start}..{end}; user {user.username}")

    born = dt.date(end.year - 59, 1, 1)
    street_ids = [s.pk for s in streets]

    def raw(tally=False):
        with connection.cursor() as cur:
            if tally:
                cur.execute(RAW_TALLY, {"d": district.pk, "year": end.year - 60})
            else:
                cur.execute(RAW_REGISTRY, {"d": district.pk, "born": born})
            cur.fetchall()
            if connection.vendor == "postgresql":
                cur.execute(RAW_APPEALS.format(key="key", extra="AND key = ANY(%(ids)s)"),
                            {"districts": [district.pk], "dim": "s", "start": start, "end": end, "ids": street_ids})
                cur.fetchall()
                cur.execute(RAW_APPEALS.format(key="district_id", extra=""),
                            {"districts": [district.pk], "dim": "*", "start": start, "end": end})
                cur.fetchall()

    def selector():
        u = User.objects.get(pk=user.pk)
        node = selectors.node_get(user=u, pk=district.pk)
        selectors.dashboard(user=u, node=node, start=start, end=end)

    client = Client()
    client.force_login(user)
    url = f"/indicators/?node={district.pk}&start={start}&end={end}"

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    results = []

    def run(label, fn, iterations=args.iterations, warmup=args.warmup):
        stats = measure(fn, iterations, warmup)
        results.append((label, stats))
        print(f"  {label:52s} p50 {stats['p50']:8.1f} ms  p99 {stats['p99']:8.1f} ms  mean {stats['mean']:8.1f} ms")

    settings.SHEQU_INDICATORS_CACHE_SECONDS = 0
    settings.SHEQU_INDICATORS_TALLY_MAX_AGE = 0
    run("raw SQL over the registry", raw)
    run("dashboard selector, registry counted live", selector)
    run("dashboard page GET /indicators/, registry counted live", page)
    refreshed = services.registry_tally_refresh()
    print(f"  registry tally rebuilt: {refreshed.rows:,} rows in {refreshed.seconds * 1000:.0f} ms")
    settings.SHEQU_INDICATORS_TALLY_MAX_AGE = 3600
    run("raw SQL over the tally", lambda: raw(tally=True))
    run("dashboard selector, tally", selector)
    run("dashboard page GET /indicators/, tally", page)
    settings.SHEQU_INDICATORS_CACHE_SECONDS = 60
    cache.clear()
    run("dashboard page GET /indicators/, tally, 60 s cache warm", page)
    settings.SHEQU_INDICATORS_CACHE_SECONDS = 0

    def report():
        r = services.report_request(actor=user, node=district, start=start, end=end)
        done = services.report_generate(report_id=r.pk)
        assert done.status == "done", (done.status, done.error)

    run("governance report of the district (.docx + .pdf)", report, iterations=args.reports, warmup=0)
    raw_p50 = results[0][1]["p50"]
    for label, stats in results[1:3] + results[4:6]:
        print(f"  {label}: {stats['p50'] / raw_p50:.2f}× the raw SQL over the registry (p50)")
    if args.markdown:
        print("\n| case | p50 ms | p99 ms | mean ms |\n|---|---|---|---|")
        for label, stats in results:
            print(f"| {label} | {stats['p50']:.1f} | {stats['p99']:.1f} | {stats['mean']:.1f} |")


if __name__ == "__main__":
    main()
