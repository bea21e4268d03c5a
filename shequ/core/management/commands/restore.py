from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shequ.core.backup import BackupError, restore

from .backup import passphrase_from


class Command(BaseCommand):
    help = ("Restore a bundle made by `shequ backup` into the configured (empty) database, check every table "
            "against the backup's fingerprint, and write the decrypted keys to a file (docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("bundle")
        parser.add_argument("--keys-out", help="write the backup's keys (an env file, mode 600) here")
        parser.add_argument("--passphrase-file", help="file holding the passphrase (default: $SHEQU_BACKUP_PASSPHRASE)")
        parser.add_argument("--force", action="store_true", help="replace what the target database holds")
        parser.add_argument("--no-media", action="store_true")
        parser.add_argument("--no-verify", action="store_true", help="skip the row-by-row fingerprint check")

    def handle(self, *args, bundle, keys_out=None, force=False, no_media=False, no_verify=False, **options):
        path = Path(bundle)
        if not path.is_file():
            raise CommandError(f"no such backup: {path}")
        try:
            report = restore(path, passphrase=passphrase_from(options), keys_out=Path(keys_out) if keys_out else None,
                             force=force, media=not no_media, verify=not no_verify)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in report["mismatches"]:
            self.stderr.write(line)
        if report["mismatches"]:
            raise CommandError(f"restored, but {len(report['mismatches'])} table(s) differ from the backup")
        self.stdout.write(f"restored {report['tables']} tables from {path}"
                          + ("" if no_verify else "; every table matches the backup"))
        if report["keys_written"]:
            self.stdout.write(f"keys written to {report['keys_written']}"
                              + ("" if report.get("keys_match") else
                                 " — they differ from this server's: run the service with them"))
