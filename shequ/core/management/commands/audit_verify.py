from django.core.management.base import BaseCommand, CommandError

from shequ.core.audit_chain import verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit with status 1 when a row was changed, deleted or reordered."

    def handle(self, *args, **options):
        result = verify()
        self.stdout.write(f"checked {result.checked} links; head {result.head[:16]}…; "
                          f"unsealed rows {result.unsealed} (older than an hour: {result.unsealed_old})")
        for problem in result.problems[:100]:
            self.stderr.write(problem)
        if len(result.problems) > 100:
            self.stderr.write(f"… and {len(result.problems) - 100} more")
        if not result.ok:
            raise CommandError(f"audit chain broken: {len(result.problems)} problem(s)")
        if result.unsealed_old:
            self.stderr.write("warning: rows older than an hour are not sealed — is the scheduler running?")
        self.stdout.write(self.style.SUCCESS("audit chain intact"))
