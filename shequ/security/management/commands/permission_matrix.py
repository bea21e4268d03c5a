from pathlib import Path

from django.core.management.base import BaseCommand

from shequ.security.matrix import markdown


class Command(BaseCommand):
    help = "Print (or --write) docs/permissions.md: the role × action × module matrix, from the code."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="write docs/permissions.md")

    def handle(self, *args, write=False, **options):
        text = markdown()
        if write:
            from django.conf import settings

            path = Path(settings.BASE_DIR) / "docs" / "permissions.md"
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {path}")
        else:
            self.stdout.write(text, ending="")
