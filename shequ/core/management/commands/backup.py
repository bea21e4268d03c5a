import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shequ.core.audit import audit_record
from shequ.core.backup import BackupError, backup


def passphrase_from(options) -> str | None:
    path = options.get("passphrase_file")
    if path:
        return Path(path).read_text().strip() or None
    return os.environ.get("SHEQU_BACKUP_PASSPHRASE") or None


class Command(BaseCommand):
    help = ("Back up the database (SQLite online backup or pg_dump), uploaded files and, encrypted with a "
            "passphrase, the keys that decrypt personal data, into one .tar bundle (docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="bundle to write (default var/backups/shequ-<time>.tar)")
        parser.add_argument("--passphrase-file", help="file holding the passphrase for the keys "
                            "(default: $SHEQU_BACKUP_PASSPHRASE)")
        parser.add_argument("--no-keys", action="store_true", help="leave the keys out (keep them elsewhere)")
        parser.add_argument("--no-media", action="store_true", help="leave uploaded files out")

    def handle(self, *args, output=None, no_keys=False, no_media=False, **options):
        passphrase = None if no_keys else passphrase_from(options)
        if not no_keys and not passphrase:
            raise CommandError("give a passphrase for the keys (--passphrase-file or SHEQU_BACKUP_PASSPHRASE), "
                               "or --no-keys to leave them out: without the keys, ID numbers and phones "
                               "in the backup cannot be read")
        from django.conf import settings

        path = Path(output) if output else (
            Path(settings.BASE_DIR) / "var" / "backups" / f"shequ-{timezone.now():%Y%m%d-%H%M%S}.tar")
        try:
            manifest = backup(path, passphrase=passphrase, media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(count for count, _ in manifest["tables"].values())
        audit_record(actor=None, verb="system.backup", target_type="core.backup", target_repr=path.name,
                     extra={"tables": len(manifest["tables"]), "rows": rows, "keys": manifest["keys"]})
        self.stdout.write(f"backed up {len(manifest['tables'])} tables, {rows} rows "
                          f"({'with' if manifest['keys'] else 'without'} keys, "
                          f"{'with' if manifest['media'] else 'without'} media) to {path}")
