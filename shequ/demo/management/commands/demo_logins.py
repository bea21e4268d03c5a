"""``shequ demo_logins``: print the demo users, their password and where they are bound."""
from django.core.management.base import BaseCommand

from shequ.demo.logins import URL, format_table, login_rows


class Command(BaseCommand):
    help = "Print the demo logins (role, username, password, bound node) and the URL."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=URL, help=f"where the server answers (default {URL})")

    def handle(self, *args, url=URL, **options):
        rows = login_rows()
        if not rows:
            self.stdout.write(self.style.WARNING("No demo logins: run `shequ demo` first."))
            return
        self.stdout.write(format_table(rows))
        self.stdout.write(f"\nOpen {url} and sign in with one of the logins above.")
