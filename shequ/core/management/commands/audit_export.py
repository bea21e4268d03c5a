import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shequ.core.audit import audit_record
from shequ.core.audit_chain import export_to, seal_pending
from shequ.core.models import AuditLog


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Export the audit log of a period (with each row's link in the hash chain) for auditors, as .csv or .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("output", help="file to write: its suffix (.csv or .xlsx) chooses the format")
        parser.add_argument("--since", type=_day, help="first day (Asia/Shanghai), default: 180 days ago")
        parser.add_argument("--until", type=_day, help="last day, inclusive, default: today")

    def handle(self, *args, output, since=None, until=None, **options):
        path = Path(output)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in {"csv", "xlsx"}:
            raise CommandError("the output file must end in .csv or .xlsx")
        today = timezone.localdate()
        since = since or today - dt.timedelta(days=180)
        until = until or today
        if since > until:
            raise CommandError("--since is after --until")
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        seal_pending()
        qs = AuditLog.objects.filter(at__gte=start, at__lt=end)
        if fmt == "csv":
            with path.open("w", newline="", encoding="utf-8-sig") as stream:
                count = export_to(qs, stream, "csv")
        else:
            count = export_to(qs, str(path), "xlsx")
        audit_record(actor=None, verb="audit.exported", target_type="core.auditlog",
                     target_repr=f"{since}..{until}", extra={"rows": count, "file": path.name, "channel": "command"})
        self.stdout.write(f"wrote {count} audit rows ({since} to {until}) to {path}")
