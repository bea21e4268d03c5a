"""``shequ demo_appeals --count N [--open-share F]``: add generated appeals to the loaded demo district."""
import time

from django.core.management.base import BaseCommand

from shequ.demo.appeals import AppealLoader


class Command(BaseCommand):
    help = "Generate appeals in the loaded demo district (for benchmarks: --count 1000000)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=20250630)
        parser.add_argument("--days", type=int, default=180, help="spread over the last N days")
        parser.add_argument("--open-share", type=float, default=None,
                            help="this share stays open whatever its age (the sweep benchmark)")

    def handle(self, *args, count, seed, days, open_share, **options):
        started = time.monotonic()
        made = AppealLoader(count=count, seed=seed, days=days, open_share=open_share, out=self.stdout.write).run()
        self.stdout.write(self.style.SUCCESS(f"{made['appeals']:,} appeals and {made['events']:,} events in "
                                             f"{time.monotonic() - started:.1f} s: {made}"))
