"""The ``shequ`` console command: Django's manage.py under the project's name.

``shequ demo --scale small`` loads the demo district, ``shequ runserver`` serves it;
every Django management command is available.
"""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shequ", *sys.argv[1:]])
