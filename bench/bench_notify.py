"""Benchmark telling requesters through a slow SMS gateway: the periodic sender with its messages
sent several at once, beside the same run one at a time (the baseline, in the same run).

    export SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench_appeals   # any database with appeals
    .venv/bin/python bench/bench_notify.py --count 400 --delay-ms 100

A local HTTP server stands in for the gateway and answers each message after ``--delay-ms``. In one
transaction that is rolled back at the end (the database is left as it was), ``--count`` timeline
lines of appeals with a mobile requester are marked to be told (nothing else waiting to be told), and ``notify.services.pending_send``
tells them through the ``sms`` channel, first with ``SHEQU_NOTIFY_SEND_THREADS=1`` (one message at a
time), then, with the same lines marked again, with ``--threads``. It prints messages a second of both.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")


def gateway(delay: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(delay)
            body = json.dumps({"code": 0}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--delay-ms", type=float, default=100)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from shequ.appeals.models import AppealEvent
    from shequ.notify.models import Delivery
    from shequ.notify.services import pending_send

    server = gateway(args.delay_ms / 1000)
    settings.SHEQU_NOTIFY_CHANNELS = ["sms"]
    settings.SHEQU_NOTIFY_SMS = {"url": f"http://127.0.0.1:{server.server_address[1]}/send", "timeout": 30}
    lines = list(AppealEvent.objects.filter(appeal__requester_phone_hash__gt="").order_by("-id")
                 .values_list("id", flat=True)[:args.count])
    if len(lines) < args.count:
        raise SystemExit(f"only {len(lines)} timeline lines of appeals with a requester's phone")
    print(f"{len(lines)} changes to tell, gateway answering in {args.delay_ms:g} ms", flush=True)
    results = []
    with transaction.atomic():
        # Only these lines: whatever else waits to be told in this database is set aside (rolled back).
        AppealEvent.objects.filter(notify_pending=True).exclude(pk__in=lines).update(notify_pending=False)
        Delivery.objects.filter(status=Delivery.Status.PENDING).exclude(event_id__in=lines).update(
            status=Delivery.Status.FAILED)
        for threads in (1, args.threads):
            settings.SHEQU_NOTIFY_SEND_THREADS = threads
            Delivery.objects.filter(event_id__in=lines).delete()
            AppealEvent.objects.filter(pk__in=lines).update(notify_pending=True)
            started = time.perf_counter()
            sent = pending_send()
            seconds = time.perf_counter() - started
            results.append((threads, sent, seconds))
            print(f"SHEQU_NOTIFY_SEND_THREADS={threads}: {sent} sent in {seconds:.2f} s, {sent / seconds:.1f} a second",
                  flush=True)
        transaction.set_rollback(True)
    server.shutdown()
    (_, base_sent, base_s), (_, sent, s) = results
    print(f"{args.threads} at once / one at a time: {(sent / s) / (base_sent / base_s):.1f}×")


if __name__ == "__main__":
    main()
