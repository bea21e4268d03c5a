"""Benchmark a department's appeal list: what a department sees is the appeals it handles, co-handles
or was whistled to (``scoping.scope_q``), a condition on the appeal and two across relations.

Usage (PostgreSQL holding the large demo and 1,000,000 appeals, see docs/benchmarks.md):

    export SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench_appeals
    .venv/bin/python bench/bench_department.py --username dept_urban

In process, ``--iterations`` times after a warm-up, p50/p99/mean in milliseconds:

* the selector: the newest 50 of the department's appeals, their count, the same for one status;
* the JSON API ``GET /api/appeals`` (a page of 50 with its count) and the page ``/appeals/``;
* the baselines, in the same run: the selector's page query run raw through a cursor (the floor),
  and the same page with the scope written as the earlier single ``IN (UNION of every way)``.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

from bench.bench_lists import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--username", default="dept_urban")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from shequ.accounts.models import User
    from shequ.accounts.services import api_token_create
    from shequ.appeals import selectors
    from shequ.appeals.models import Appeal
    from shequ.jurisdiction import scoping

    settings.ALLOWED_HOSTS.append("testserver")
    user = User.objects.get(username=args.username)
    admin = User.objects.get(username="admin")
    _token, key = api_token_create(actor=admin, user=user, name="bench-department")
    api, page = Client(HTTP_AUTHORIZATION=f"Bearer {key}"), Client()
    page.force_login(user)

    newest = selectors.appeal_list(user=user)
    sql, params = newest[:50].query.sql_with_params()
    ids = list(scoping.bound_department_ids(user))
    ways = [Appeal.objects.filter(**{f"{lookup}__in": ids}).values("pk").order_by()
            for lookup in scoping.DEPARTMENT_LOOKUP["appeals.appeal"]]
    as_one_union = (Appeal.objects.filter(pk__in=ways[0].union(*ways[1:]))
                    .select_related("category", "handling_node", "handling_department", "community")
                    .order_by("-received_at", "-id"))

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def get(client, path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    print(f"{args.username}: {newest.count():,} appeals in scope of {Appeal.objects.count():,} "
          f"({connection.vendor}); ms p50 / p99 / mean over {args.iterations}")
    cases = [
        ("baseline: the page query, raw SQL", raw),
        ("selector: newest 50", lambda: list(newest[:50])),
        ("selector: count", newest.count),
        ("selector: newest 50 in progress", lambda: list(selectors.appeal_list(user=user, status="in_progress")[:50])),
        ("selector: count in progress", lambda: selectors.appeal_list(user=user, status="in_progress").count()),
        ("API GET /api/appeals", lambda: get(api, "/api/appeals")),
        ("page /appeals/", lambda: get(page, "/appeals/")),
        ("before: newest 50, scope as one IN (UNION)", lambda: list(as_one_union[:50])),
        ("before: count, scope as one IN (UNION)", as_one_union.count),
    ]
    for name, fn in cases:
        result = measure(fn, args.iterations, args.warmup)
        print(f"  {name:<45} {result['p50']:8.1f} {result['p99']:8.1f} {result['mean']:8.1f}", flush=True)


if __name__ == "__main__":
    main()
