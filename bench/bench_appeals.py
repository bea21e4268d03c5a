"""Benchmark appeals at scale: creation and listing over HTTP, the deadline sweep, the rates dashboard.

Usage (PostgreSQL holding the large demo and 1,000,000 appeals, see docs/benchmarks.md):

    export SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench_appeals
    .venv/bin/shequ demo --scale large --appeals 0
    .venv/bin/shequ demo_appeals --count 1000000 --open-share 0.1
    .venv/bin/python bench/bench_appeals.py --duration 10 --rounds 3 --sweeps 2

HTTP cases run against gunicorn (``-w 2``, settings ``config.settings.bench``) with wrk
(``-t 2 -c 4``, ``--latency``), all in one run on the same server. The creation cases and the list
cases run in rounds (``--rounds``), each round measuring its ceiling first, and each case is given
as a share of its own round's ceiling (the machine's speed drifts between minutes):

* the ceiling: a bare Django Ninja endpoint that only inserts one row, and one that only lists
  100 rows (``bench/ceiling``);
* appeal creation with all its work (validation, routing by R-tree point-in-grid, deadlines,
  numbering, timeline, audit): Open311 ``POST /open311/requests.json`` (api_key) and the
  staff ``POST /api/appeals`` (token);
* listing: Open311 ``GET /open311/requests.json`` and the staff ``GET /api/appeals``;
* the rates dashboard ``GET /api/appeals/rates`` of the whole district (district office token).

In process: the requesters' notifications the creation cases left marked, composed and sent as one
worker's periodic task would (docs/notifications.md), how many a second; the deadline sweep over
the open appeals, cold (every open appeal past its times still to be marked, the marks cleared
first) and steady (the next minute's run), beside the sweep's UPDATE run alone (no timeline rows,
no audit), the floor of its work; and the SQL of the dashboard run raw.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
BIN = Path(sys.executable).parent


def wrk(url: str, *, duration: int, connections: int, threads: int, script: str | None = None,
        headers: dict | None = None) -> dict:
    cmd = [os.environ.get("WRK", "wrk"), "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
           "--timeout", "10s"]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    if script:
        path = Path("/tmp") / f"shequ-bench-{abs(hash(script))}.lua"
        path.write_text(script)
        cmd += ["-s", str(path)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0,
            "socket": socket.group(1) if socket else ""}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def lua_post(path: str, body_fn: str, content_type: str, extra_headers: str = "") -> str:
    return f"""
math.randomseed(os.time())
{body_fn}
request = function()
  return wrk.format("POST", "{path}", {{["Content-Type"] = "{content_type}"{extra_headers}}}, body())
end
"""


def setup(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from bench.ceiling.models import CeilingRow
    from shequ.accounts.models import User
    from shequ.accounts.services import api_token_create
    from shequ.appeals.models import Appeal
    from shequ.jurisdiction.models import Level, Node

    if CeilingRow.objects.count() < 1000:
        CeilingRow.objects.bulk_create([CeilingRow(name=f"row {i}") for i in range(1000)])
    office = User.objects.get(username="office")
    admin = User.objects.get(username="admin")
    _token, office_key = api_token_create(actor=admin, user=office, name="bench")
    worker = User.objects.get(username="street1")
    _token, street_key = api_token_create(actor=admin, user=worker, name="bench")
    from shequ.open311.services import api_key_create

    _key, open311_key = api_key_create(actor=admin, name="bench")
    street = worker.bindings.first().node
    xs, ys = [], []
    for boundary in Node.objects.filter(level=Level.GRID, boundary__isnull=False, street_id=street.pk).values_list(
            "boundary", flat=True):
        for x, y in boundary["coordinates"][0]:
            xs.append(x)
            ys.append(y)
    if connection.vendor == "postgresql":
        # As autovacuum would have by now (this machine's PostgreSQL runs with autovacuum off): the
        # visibility map set after the load and any earlier sweep runs, so counts and lists can use
        # index-only scans, and the daily rates table rid of the row versions its triggers left.
        with connection.cursor() as cur:
            cur.execute("SELECT appeals_rate_fold()")  # what earlier runs appended, as the periodic task would
            cur.execute("VACUUM ANALYZE appeals_appeal")
            cur.execute("VACUUM ANALYZE appeals_rate_day")
            cur.execute("VACUUM appeals_rate_delta")
            # The pages the vacuum dirtied are written out now, not by a checkpoint during a timed case.
            cur.execute("CHECKPOINT")
    counts = {"appeals": Appeal.objects.count(),
              "open": Appeal.objects.filter(status__in=["received", "accepted", "dispatched", "in_progress",
                                                        "reopened"]).count()}
    connection.close()
    return {"office_key": office_key, "street_key": street_key, "open311_key": open311_key,
            "bbox": (min(xs), min(ys), max(xs), max(ys)), **counts}


def serve(port: int):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    proc = subprocess.Popen([str(BIN / "gunicorn"), "config.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning"], cwd=ROOT, env=env)
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ceiling/rows", timeout=2)
            return proc
        except Exception:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def http_cases(args, ctx) -> list[tuple[str, list[dict]]]:
    base = f"http://127.0.0.1:{args.port}"
    x0, y0, x1, y1 = ctx["bbox"]
    point = f"""
local function point()
  return string.format("%.6f", {x0} + math.random() * {x1 - x0}), string.format("%.6f", {y0} + math.random() * {y1 - y0})
end"""
    open311_body = point + f"""
function body()
  local lng, lat = point()
  return "api_key={ctx['open311_key']}&service_code=property_repair&description=%E6%A5%BC%E9%81%93%E7%81%AF%E5%9D%8F%E4%BA%86"
    .. "&lat=" .. lat .. "&long=" .. lng .. "&first_name=%E5%B0%8F%E6%98%8E&last_name=%E7%8E%8B&phone=13912345678"
end"""
    staff_body = point + """
function body()
  local lng, lat = point()
  return '{"channel":"hotline","category":"property_repair","description":"楼道灯坏了","lng":' .. lng .. ',"lat":' .. lat
    .. ',"requester_name":"王小明","requester_phone":"13912345678"}'
end"""
    ceiling_body = 'function body() return \'{"name":"bench row"}\' end'
    run = {"connections": args.connections, "threads": args.threads}
    street_auth = {"Authorization": f"Bearer {ctx['street_key']}"}
    office_auth = {"Authorization": f"Bearer {ctx['office_key']}"}
    today = dt.date.today()
    period = f"from={(today - dt.timedelta(days=180)).isoformat()}&to={today.isoformat()}"

    def case(path: str, **kwargs):
        return lambda duration: wrk(f"{base}{path}", duration=duration, **run, **kwargs)

    # Each creation or list case is compared with the ceiling of its own kind measured just before it,
    # in the same round: this machine's speed drifts by ±10 % over minutes (other tenants of the host),
    # so a ceiling measured once and a case measured minutes later would compare two machines. The
    # rounds alternate ceiling, case, case, ceiling, case, case, … and the summary gives each case's
    # share of its round's ceiling in every round (median, lowest, highest).
    groups = [
        [("ceiling insert (bare Ninja, 1 row)", case("/ceiling/rows", script=lua_post(
            "/ceiling/rows", ceiling_body, "application/json"))),
         ("Open311 POST requests.json", case("/open311/requests.json", script=lua_post(
             "/open311/requests.json", open311_body, "application/x-www-form-urlencoded"))),
         ("staff POST /api/appeals", case("/api/appeals", script=lua_post(
             "/api/appeals", staff_body, "application/json", f', ["Authorization"] = "Bearer {ctx["street_key"]}"')))],
        [("ceiling list (bare Ninja, 100 rows)", case("/ceiling/rows")),
         ("Open311 GET requests.json", case("/open311/requests.json")),
         ("staff GET /api/appeals (street, 50 a page)", case("/api/appeals", headers=street_auth))],
        [("rates dashboard, district by street", case(f"/api/appeals/rates?group=street&{period}", headers=office_auth))],
        [("rates dashboard, district by month", case(f"/api/appeals/rates?group=month&{period}", headers=office_auth))],
        [("rates dashboard, district by community", case(f"/api/appeals/rates?group=community&{period}",
                                                         headers=office_auth))],
    ]
    results = []
    folded = False
    for group in groups:
        chosen = [(name, fn) for name, fn in group if not args.only or re.search(args.only, name)]
        if not chosen:
            continue
        if chosen[0][0].startswith("rates dashboard") and not folded:
            # What the periodic task does every minute (migration 0013_rate_delta): the cells the
            # creation cases appended, folded into the daily table before the dashboard is read.
            folded = True
            from django.db import connection

            from shequ.appeals.metrics import rates_fold

            started = time.perf_counter()
            moved = rates_fold()
            connection.close()
            print(f"{'(rates fold, as the periodic task)':<45} {moved:>8} appended rows in "
                  f"{time.perf_counter() - started:.2f} s", flush=True)
        ceiling = group[0][0] if group[0][0].startswith("ceiling") and chosen[0][0] == group[0][0] else None
        rounds = args.rounds if len(chosen) > 1 else 1
        runs: dict[str, list[dict]] = {name: [] for name, _fn in chosen}
        for number in range(1, rounds + 1):
            for name, fn in chosen:
                # Each case measures a warm server (wrk's steady state): an untimed second of the same
                # load first lets both workers make their first request of this kind (imports, the grid
                # index, the catalog); otherwise the first requests queue behind them and fill the p99.
                fn(1)
                result = fn(args.duration)
                share = ""
                if ceiling and name != ceiling:
                    result["share"] = result["rps"] / runs[ceiling][-1]["rps"]
                    share = f"  {result['share'] * 100:5.1f} % of the round's ceiling"
                label = f"{name} [{number}/{rounds}]" if rounds > 1 else name
                print(f"{label:<51} {result['rps']:>8.1f} req/s  p50 {result['p50']:>7.1f} ms  p99 "
                      f"{result['p99']:>7.1f} ms  non-2xx {result['non2xx']} {result['socket']}{share}", flush=True)
                runs[name].append(result)
        if rounds > 1:
            for name, measured in runs.items():
                rps = sorted(r["rps"] for r in measured)
                line = (f"  {name:<49} req/s median {statistics.median(rps):8.1f} (lowest {rps[0]:.1f}, highest "
                        f"{rps[-1]:.1f}); p99 at worst {max(r['p99'] for r in measured):.1f} ms")
                if "share" in measured[0]:
                    shares = sorted(r["share"] * 100 for r in measured)
                    line += (f"; of its round's ceiling median {statistics.median(shares):.1f} % (lowest "
                             f"{shares[0]:.1f} %, highest {shares[-1]:.1f} %)")
                print(line, flush=True)
        results.extend((name, measured) for name, measured in runs.items())
    return results


def in_process(args) -> list[tuple[str, float, str]]:
    """The sweep (cold and steady) beside its floor, and the dashboard's SQL run raw."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shequ.accounts.models import User
    from shequ.appeals import metrics
    from shequ.appeals.models import AppealEvent
    from shequ.appeals.services import OPEN_STATUSES, _sweep_sql, appeals_sweep

    rows = []
    # What the creation cases left for the background: the requesters still to be told (the
    # timeline lines marked by the intakes), told as one worker running notify_pending_task would.
    from shequ.notify.models import Delivery
    from shequ.notify.services import pending_send

    marked = AppealEvent.objects.filter(notify_pending=True).count()
    before = Delivery.objects.count()
    started = time.perf_counter()
    sent = pending_send()
    told_s = time.perf_counter() - started
    print(f"notifications left by the creation cases: {marked:,} marked lines composed and told in {told_s:.2f} s "
          f"({marked / told_s if told_s else 0:,.0f} lines/s; {Delivery.objects.count() - before:,} deliveries, "
          f"{sent:,} sent)", flush=True)
    rows.append(("notifications told", told_s, f"{marked:,} lines"))
    now = timezone.now()
    statuses = [str(s) for s in OPEN_STATUSES]
    for attempt in range(args.sweeps):
        with transaction.atomic():
            AppealEvent.objects.filter(verb__in=["warned", "escalated", "response_overdue"], actor_name="system").delete()
            with connection.cursor() as cur:
                cur.execute("UPDATE appeals_appeal SET warned_at = NULL, escalated_at = NULL, escalated_to_id = NULL, "
                            "response_overdue_at = NULL WHERE status = ANY(%s)", [statuses])
        started = time.perf_counter()
        cold = appeals_sweep(now=now)
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        appeals_sweep(now=now + dt.timedelta(minutes=1))
        steady_s = time.perf_counter() - started
        with transaction.atomic():  # the floor: the sweep's own UPDATE alone (no timeline, no audit)
            with connection.cursor() as cur:
                cur.execute("UPDATE appeals_appeal SET warned_at = NULL, escalated_at = NULL, escalated_to_id = NULL, "
                            "response_overdue_at = NULL WHERE status = ANY(%s)", [statuses])
            started = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(_sweep_sql("appeals_appeal"), {"now": now})
                cur.fetchall()
            floor_s = time.perf_counter() - started
            transaction.set_rollback(True)
        print(f"sweep run {attempt + 1}: cold {cold_s:.2f} s (warned {cold.warned:,}, escalated {cold.escalated:,}, "
              f"response overdue {cold.response_overdue:,}); steady {steady_s * 1000:.0f} ms; "
              f"raw UPDATE floor {floor_s:.2f} s", flush=True)
        rows.append(("sweep cold", cold_s, f"{cold.warned + cold.escalated + cold.response_overdue:,} marks"))
        rows.append(("sweep steady", steady_s, ""))
        rows.append(("sweep raw UPDATE floor", floor_s, ""))
    office = User.objects.get(username="office")
    today = dt.date.today()
    for group in ("street", "month", "community"):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            metrics.appeal_rates(user=office, group=group, start=today - dt.timedelta(days=180), end=today)
            orm_s = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cur:
            for query in captured.captured_queries:
                cur.execute(query["sql"])
                cur.fetchall()
        raw_s = time.perf_counter() - started
        print(f"dashboard by {group}: selector in process {orm_s * 1000:.0f} ms; its {len(captured.captured_queries)} "
              f"queries run raw {raw_s * 1000:.0f} ms", flush=True)
        rows.append((f"dashboard by {group}, selector", orm_s, ""))
        rows.append((f"dashboard by {group}, raw SQL", raw_s, ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each timed wrk run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the creation cases and of the list cases, each after its ceiling")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8111)
    parser.add_argument("--sweeps", type=int, default=2)
    parser.add_argument("--only", default="", help="regex of HTTP case names to run")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-process", action="store_true")
    args = parser.parse_args()
    ctx = setup(args)
    print(f"database: {ctx['appeals']:,} appeals, {ctx['open']:,} open", flush=True)
    if not args.skip_http:
        proc = serve(args.port)
        try:
            http_cases(args, ctx)
        finally:
            proc.terminate()
            proc.wait()
    if not args.skip_process:
        in_process(args)


if __name__ == "__main__":
    main()
