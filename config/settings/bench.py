"""Benchmark server settings (bench/bench_appeals.py): production-like (no debug, compiled static
manifest not needed), plus the bare "ceiling" endpoints at /ceiling/ for the same-run baseline."""
from .base import *  # noqa: F401,F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.ceiling"]  # noqa: F405
ROOT_URLCONF = "bench.ceiling.urls"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# The benchmarks and the load script measure throughput: without the per-account rate limits
# (which would cap one benchmark client at 30 appeals a minute).
RATELIMIT_ENABLE = False
