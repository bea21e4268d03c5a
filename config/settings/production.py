"""Production settings: every secret and the database come from the environment."""
import os

os.environ.setdefault("SHEQU_ENV", "production")

from .base import *  # noqa: E402,F401,F403

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SHEQU_SSL_REDIRECT", True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_PRELOAD = env_bool("SHEQU_HSTS_PRELOAD", True)  # noqa: F405
SHEQU_REQUIRE_2FA = True  # level-3 protection: never off in production
AXES_ENABLED = True
RATELIMIT_ENABLE = True

# Several application servers share one cache (rate-limit counters, import progress, lockouts'
# cache): Redis. One server alone may keep the file cache of base.py.
if env("SHEQU_REDIS_URL"):  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": env("SHEQU_REDIS_URL"), "KEY_PREFIX": "shequ"}}  # noqa: F405
# Uploaded files: a directory every application server mounts (NFS or similar), or object storage.
MEDIA_ROOT = env("SHEQU_MEDIA_ROOT", str(MEDIA_ROOT))  # noqa: F405
STATIC_ROOT = env("SHEQU_STATIC_ROOT", str(STATIC_ROOT))  # noqa: F405
