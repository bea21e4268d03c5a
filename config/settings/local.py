"""Development and demo settings (SQLite in ./var unless SHEQU_DATABASE_URL is set)."""
from .base import *  # noqa: F401,F403

DEBUG = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
