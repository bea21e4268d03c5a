from django.core.management.base import BaseCommand

from shequ.core.audit_chain import seal_pending


class Command(BaseCommand):
    help = "Add unsealed audit-log rows to the hash chain (the scheduler does this every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="look through the whole log, not only recent rows")

    def handle(self, *args, **options):
        sealed = seal_pending(everything=options["all"])
        self.stdout.write(f"sealed {sealed} audit rows")
