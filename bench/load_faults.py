"""Load and faults on loopback (docs/reliability.md).

Many concurrent staff (bearer-token API: create appeals, list them) and residents (Open311: post
requests, list them) run against gunicorn (2 workers) + PostgreSQL. During the run one gunicorn
worker is killed with SIGKILL and PostgreSQL is restarted. Clients behave as real ones should:
on 503 or a dropped connection they wait and retry. Afterwards the script checks that

* every appeal whose creation was acknowledged (201 / 200 with its number) is in the database,
* clients saw only retryable failures (503 with Retry-After, dropped connections) — no 500s,
* the service recovered by itself (time from each fault to the next success),

* no retried POST created a second copy of its appeal (each creation carries an Idempotency-Key,
  so a retry after a dropped answer gets the appeal its first try committed).

It exits with status 1 when an acknowledged appeal is missing, an appeal was created twice or a
client saw a non-retryable error.

    .venv/bin/python bench/load_faults.py --duration 60 --staff 8 --residents 8

Needs root (it restarts the PostgreSQL cluster with pg_ctlcluster) and a PostgreSQL database it
may create and fill (default shequ_load). Don't run it while other tests use the same server.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PORT = 8123
RUN = int(time.time())  # marks this run's appeals (the database may hold earlier runs')


def sh(*args, env=None, check=True, **kw):
    return subprocess.run(args, env=env, check=check, capture_output=True, text=True, **kw)


def prepare(db_url: str, env: dict) -> dict:
    """Create, migrate and seed the database; return tokens, an Open311 key and category codes."""
    name = urllib.parse.urlparse(db_url).path.lstrip("/")
    exists = sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{name}'").stdout.strip()
    if not exists:
        sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}")
    sh(str(VENV / "shequ"), "migrate", "--no-input", "-v0", env=env)
    seeded = sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-tAc",
                "SELECT count(*) FROM jurisdiction_node").stdout.strip()
    if seeded in ("", "0"):
        print("seeding the demo district (tiny) …", flush=True)
        sh(str(VENV / "shequ"), "demo", "--scale", "tiny", "--appeals", "0", env=env)
    script = r"""
import json
from shequ.accounts.models import User
from shequ.accounts.services import api_token_create
from shequ.appeals.models import ServiceCategory
from shequ.open311.services import api_key_create
staff = list(User.objects.filter(role__in=["community_worker", "street_staff"], is_active=True)[:16])
tokens = [api_token_create(actor=None, user=u, name="load")[1] for u in staff]
key = api_key_create(actor=None, name="load test")[1]
codes = list(ServiceCategory.objects.filter(active=True).values_list("code", flat=True)[:20])
from shequ.open311.models import ServiceAttribute
required = set(ServiceAttribute.objects.filter(required=True).values_list("category__code", flat=True))
codes311 = [c for c in codes if c not in required]  # residents answer no extra questions
from shequ.jurisdiction.models import Node
district = Node.objects.filter(level="district").order_by("id").values_list("code", flat=True).first()
print(json.dumps({"tokens": tokens, "key": key, "codes": codes, "codes311": codes311, "jurisdiction": district}))
"""
    out = sh(str(VENV / "shequ"), "shell", "-c", script, env=env).stdout.strip().splitlines()[-1]
    return json.loads(out)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked: list[tuple[str, str]] = []  # (number, token)
        self.ok = collections.Counter()
        self.retryable = collections.Counter()
        self.fatal = collections.Counter()
        self.fatal_examples: list[str] = []
        self.successes: list[float] = []

    def add(self, bucket: str, key: str, example: str = ""):
        with self.lock:
            getattr(self, bucket)[key] += 1
            if bucket == "fatal" and len(self.fatal_examples) < 10:
                self.fatal_examples.append(example)


def call(method: str, path: str, body: bytes | None, headers: dict, stats: Stats, label: str,
         stop: threading.Event, attempts: int = 40):
    """One logical request with a well-behaved client's retries; returns (status, data) or None."""
    for _ in range(attempts):
        if stop.is_set():
            return None
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            conn.close()
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            stats.add("retryable", f"{label}: {type(exc).__name__}")
            time.sleep(0.5)
            continue
        if response.status == 503:
            stats.add("retryable", f"{label}: 503")
            time.sleep(min(float(response.headers.get("Retry-After", "1")), 2.0))
            continue
        if response.status >= 500 or response.status in (400, 401, 403, 404, 422):
            stats.add("fatal", f"{label}: {response.status}", f"{method} {path} -> {response.status} {data[:200]!r}")
            return None
        stats.add("ok", label)
        with stats.lock:
            stats.successes.append(time.monotonic())
        return response.status, data
    stats.add("fatal", f"{label}: gave up")
    return None


def staff_client(n: int, token: str, codes: list[str], stats: Stats, stop: threading.Event):
    rng = random.Random(n)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    seq = 0
    while not stop.is_set():
        seq += 1
        mark = f"load{RUN}-s{n}-{seq}"
        body = json.dumps({"channel": "window", "category": rng.choice(codes), "description": f"{mark} 楼道灯坏了",
                           "address_text": "演示路1号"}).encode()
        # The mark is the request's Idempotency-Key: a retry after a dropped answer gets the same appeal.
        result = call("POST", "/api/appeals", body, {**headers, "Idempotency-Key": mark}, stats,
                      "staff POST /api/appeals", stop)
        if result:
            with stats.lock:
                stats.acked.append((json.loads(result[1])["number"], mark))
        if seq % 4 == 0:
            call("GET", "/api/appeals?limit=20", None, headers, stats, "staff GET /api/appeals", stop)


def resident_client(n: int, key: str, jurisdiction: str, codes: list[str], stats: Stats, stop: threading.Event):
    rng = random.Random(1000 + n)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    seq = 0
    while not stop.is_set():
        seq += 1
        mark = f"load{RUN}-r{n}-{seq}"
        body = urllib.parse.urlencode({"api_key": key, "jurisdiction_id": jurisdiction, "service_code": rng.choice(codes),
                                       "description": f"{mark} 小区路灯不亮", "address_string": "演示路2号"}).encode()
        result = call("POST", "/open311/requests.json", body, {**headers, "Idempotency-Key": mark}, stats,
                      "resident POST /open311/requests.json", stop)
        if result:
            item = json.loads(result[1])[0]
            if item.get("service_request_id"):
                with stats.lock:
                    stats.acked.append((item["service_request_id"], mark))
        if seq % 4 == 0:
            call("GET", "/open311/requests.json?page_size=20", None, {}, stats, "resident GET /open311/requests.json",
                 stop)


def workers_of(master: int) -> list[int]:
    out = sh("pgrep", "-P", str(master), check=False).stdout.split()
    return [int(p) for p in out]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/shequ_load")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--staff", type=int, default=8)
    parser.add_argument("--residents", type=int, default=8)
    parser.add_argument("--pg-cluster", default="15 main")
    args = parser.parse_args()

    env = {**os.environ, "SHEQU_DATABASE_URL": args.db, "DJANGO_SETTINGS_MODULE": "config.settings.bench",
           "SHEQU_ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT)}
    seed = prepare(args.db, env)
    gunicorn = subprocess.Popen([str(VENV / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}",
                                 "--graceful-timeout", "5", "--timeout", "30"], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=open(ROOT / "var" / "load-gunicorn.log", "w"))
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=2).request("GET", "/healthz")
            break
        except OSError:
            time.sleep(0.2)
    stats, stop = Stats(), threading.Event()
    threads = [threading.Thread(target=staff_client, args=(i, seed["tokens"][i % len(seed["tokens"])], seed["codes"],
                                                           stats, stop)) for i in range(args.staff)]
    threads += [threading.Thread(target=resident_client, args=(i, seed["key"], seed["jurisdiction"], seed["codes311"], stats, stop))
                for i in range(args.residents)]
    start = time.monotonic()
    for t in threads:
        t.start()
    faults = []
    try:
        time.sleep(args.duration * 0.3)
        victim = workers_of(gunicorn.pid)[0]
        os.kill(victim, signal.SIGKILL)
        faults.append(("SIGKILL gunicorn worker", time.monotonic()))
        print(f"{time.monotonic() - start:5.1f} s  killed worker {victim}", flush=True)
        time.sleep(args.duration * 0.3)
        faults.append(("PostgreSQL restart", time.monotonic()))
        print(f"{time.monotonic() - start:5.1f} s  restarting PostgreSQL …", flush=True)
        sh("pg_ctlcluster", *args.pg_cluster.split(), "restart")
        print(f"{time.monotonic() - start:5.1f} s  PostgreSQL is back", flush=True)
        time.sleep(max(0.0, args.duration - (time.monotonic() - start)))
    finally:
        stop.set()
        for t in threads:
            t.join()
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    # verify
    import psycopg

    acked = stats.acked
    with psycopg.connect(args.db) as conn:
        numbers = [n for n, _ in acked]
        found = {row[0] for row in conn.execute("SELECT number FROM appeals_appeal WHERE number = ANY(%s)", [numbers])}
        marks = collections.Counter(row[0].split(" ")[0] for row in conn.execute(
            "SELECT description FROM appeals_appeal WHERE description LIKE %s", [f"load{RUN}-%"]))
    missing = [n for n in numbers if n not in found]
    duplicates = sum(c - 1 for c in marks.values() if c > 1)
    recovery = []
    for name, at in faults:
        after = [s for s in stats.successes if s > at]
        recovery.append((name, (min(after) - at) if after else None))
    print()
    print(f"run: {args.duration} s, {args.staff} staff + {args.residents} resident clients, gunicorn -w 2, PostgreSQL")
    print(f"requests answered: {sum(stats.ok.values())}")
    for label, count in sorted(stats.ok.items()):
        print(f"  ok        {count:7d}  {label}")
    for label, count in sorted(stats.retryable.items()):
        print(f"  retried   {count:7d}  {label}")
    for label, count in sorted(stats.fatal.items()):
        print(f"  FATAL     {count:7d}  {label}")
    for example in stats.fatal_examples:
        print(f"            {example}")
    print(f"appeals acknowledged: {len(acked)}; found in the database: {len(acked) - len(missing)}; "
          f"missing: {len(missing)}")
    print(f"second copies from retried POSTs: {duplicates}")
    for name, seconds in recovery:
        print(f"recovery after {name}: " + (f"{seconds:.2f} s to the next success" if seconds is not None else "never"))
    ok = not missing and not duplicates and not stats.fatal and all(s is not None for _, s in recovery)
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
