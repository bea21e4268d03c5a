"""Development and demo settings (SQLite in ./var unless SHEQU_DATABASE_URL is set)."""
from .base import *  # noqa: F401,F403

DEBUG = True
WHITENOISE_AUTOREFRESH = True  # base.py set it from its own DEBUG (False): serve edited static files at once
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The demo signs in with the printed demo accounts: no authenticator app needed unless asked for.
SHEQU_REQUIRE_2FA = env_bool("SHEQU_REQUIRE_2FA", False)  # noqa: F405
