"""Test settings. SHEQU_TEST_DB=postgres runs the suite on PostgreSQL (127.0.0.1:5432)."""
import os

from config.env import database_config

from .base import *  # noqa: F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests add and roll back holidays, catalog entries and grids (also with bulk updates): nothing kept per
# process between reads (shequ.core.kept); the tests of keeping switch it on themselves.
SHEQU_CALENDAR_CACHE_SECONDS = 0
SHEQU_CATALOG_CACHE_SECONDS = 0
SHEQU_INDICATORS_CACHE_SECONDS = 0
SHEQU_PUBLIC_CACHE_SECONDS = 0
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                     "QUEUES": TASKS["default"]["QUEUES"]}}  # noqa: F405

if os.environ.get("SHEQU_TEST_DB") == "postgres":
    DATABASES = {
        "default": database_config(
            os.environ.get("SHEQU_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shequ")
        )
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # In-memory SQLite for speed; live-server (browser) tests share it across threads.
    DATABASES = {"default": database_config("sqlite:///" + str(BASE_DIR / "var" / "test.sqlite3"))}

# Account rules that would get in the way of every other test; shequ/security/tests switch them on.
SHEQU_REQUIRE_2FA = False
AXES_ENABLED = False
RATELIMIT_ENABLE = False
