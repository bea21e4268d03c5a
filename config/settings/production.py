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
