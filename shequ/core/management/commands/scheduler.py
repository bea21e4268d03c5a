from django.core.management.base import BaseCommand

from shequ.core import schedule


class Command(BaseCommand):
    help = "Enqueue the periodic background tasks (shequ.core.schedule.PERIODIC) at their intervals."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue what is due once and exit")

    def handle(self, *args, once=False, **options):
        for path, interval in schedule.PERIODIC.items():
            self.stdout.write(f"every {interval:>5} s  {path}")
        schedule.run(once=once)
