"""Settings shared by every environment; other files only override."""
import datetime as dt

from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, database_config, env, env_bool, env_int, secret

SECRET_KEY = secret("SHEQU_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = [h for h in (env("SHEQU_ALLOWED_HOSTS", "127.0.0.1,localhost") or "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_password_validators",
    "django_password_validators.password_history",
    "shequ.core",
    "shequ.accounts",
    "shequ.jurisdiction",
    "shequ.registry",
    "shequ.appeals",
    "shequ.proactive",
    "shequ.party",
    "shequ.socialorgs",
    "shequ.whistle",
    "shequ.agency",
    "shequ.admission",
    "shequ.stars",
    "shequ.volunteers",
    "shequ.consultation",
    "shequ.workforce",
    "shequ.surveys",
    "shequ.indicators",
    "shequ.notify",
    "shequ.selfservice",
    "shequ.transfer",
    "shequ.open311",
    "shequ.web",
    "shequ.demo",
    "shequ.security",
    "shequ.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shequ.security.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shequ.core.middleware.RequestContextMiddleware",
    "shequ.core.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config(env("SHEQU_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Account rules (docs/security.md): length, character classes, no reuse of the last five passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "django_password_validators.password_character_requirements.password_validation.PasswordCharacterValidator",
     "OPTIONS": {"min_length_digit": 1, "min_length_alpha": 2, "min_length_special": 0,
                 "min_length_lower": 1, "min_length_upper": 1}},
    {"NAME": "django_password_validators.password_history.password_validation.UniquePasswordsValidator",
     "OPTIONS": {"last_passwords": 5}},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Lockout: five wrong passwords for one account lock it for 30 minutes (an administrator can unlock
# it earlier: `shequ axes_reset_username NAME` or the admin's access attempts screen).
AXES_FAILURE_LIMIT = env_int("SHEQU_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("SHEQU_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Not by address as well: a street office's staff share one address behind NAT, and one person's
# typos must not lock everyone out. Guessing across many accounts from one address is capped by
# the sign-in rate limit below (SHEQU_RATE_LOGIN), hence the silenced axes warning.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shequ.security.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "shequ.core.middleware.client_ip_from"
AXES_VERBOSE = False
# Second factor (TOTP) for administrators and accounts that may unmask personal data.
SHEQU_REQUIRE_2FA = env_bool("SHEQU_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Shequ 社区治理平台"
# A signed-in session ends after this long without a request (and in any case after SESSION_COOKIE_AGE).
SHEQU_SESSION_IDLE_SECONDS = env_int("SHEQU_SESSION_IDLE_SECONDS", 30 * 60)
# Rate limits (django-ratelimit, counted in the shared cache): per address for sign-in, per account or
# address for appeals, per API key or address for Open311.
RATELIMIT_ENABLE = env_bool("SHEQU_RATELIMIT", True)
RATELIMIT_USE_CACHE = "default"
SHEQU_RATE_LIMITS = {
    "login": env("SHEQU_RATE_LOGIN", "20/m"),
    "appeal_create": env("SHEQU_RATE_APPEAL", "30/m"),
    "open311_post": env("SHEQU_RATE_OPEN311_POST", "60/m"),
}
# Content security policy (django-csp): scripts and everything else only from this server.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs"],  # Ninja's Swagger page configures itself inline
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # style attributes of the SVG charts
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "shequ" / "locale"]
# Our own date input formats where Django's break the pages (shequ/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["shequ.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SHEQU_IMPORT_MAX_BYTES = env_int("SHEQU_IMPORT_MAX_BYTES", 200 * 1024 * 1024)

# Shared by the web server and the background worker (live import progress, see transfer.progress).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "cache"),
    }
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        # "notify": the requesters' notifications, with a worker of their own (shequ/notify/tasks.py).
        "QUEUES": ["default", "notify"],
    }
}

# Personal-data protection: keys come from the environment (see config/env.py).
SHEQU_DATA_KEY = secret("SHEQU_DATA_KEY")
SHEQU_HASH_KEY = secret("SHEQU_HASH_KEY")

# Appeals: files sent with an appeal, the requester's follow link, notifications (docs/notifications.md).
SHEQU_APPEAL_ATTACHMENT_MAX_BYTES = env_int("SHEQU_APPEAL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
SHEQU_APPEAL_ATTACHMENT_MAX_FILES = env_int("SHEQU_APPEAL_ATTACHMENT_MAX_FILES", 6)
SHEQU_PUBLIC_BASE_URL = env("SHEQU_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
SHEQU_NOTIFY_CHANNELS = [c for c in (env("SHEQU_NOTIFY_CHANNELS", "logging") or "").split(",") if c]
SHEQU_NOTIFY_SMS = {"url": env("SHEQU_NOTIFY_SMS_URL", ""), "headers": {"Authorization": env("SHEQU_NOTIFY_SMS_AUTH", "")}}
# How many messages of a batch go out at once through a channel that calls an outside service.
SHEQU_NOTIFY_SEND_THREADS = env_int("SHEQU_NOTIFY_SEND_THREADS", 8)
SHEQU_NOTIFY_WECHAT = {"app_id": env("SHEQU_NOTIFY_WECHAT_APP_ID", ""), "app_secret": env("SHEQU_NOTIFY_WECHAT_SECRET", ""),
                       "template_id": env("SHEQU_NOTIFY_WECHAT_TEMPLATE", "")}

# Personal-information requests (PIPL): the days within which a request is answered (docs/privacy.md).
SHEQU_PI_REQUEST_DAYS = env_int("SHEQU_PI_REQUEST_DAYS", 15)

# Alerts on unusual access to personal data: unmasked views / exports by one account in an hour.
SHEQU_ALERT_UNMASK_PER_HOUR = env_int("SHEQU_ALERT_UNMASK_PER_HOUR", 50)
SHEQU_ALERT_EXPORT_PER_HOUR = env_int("SHEQU_ALERT_EXPORT_PER_HOUR", 20)

SESSION_COOKIE_HTTPONLY = True
# Sessions are kept in the database and read through the cache (one cache read a request instead of
# a query; a session written or ended is written to both).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SHEQU_SESSION_SECONDS", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
USE_X_FORWARDED_FOR = env_bool("SHEQU_USE_X_FORWARDED_FOR", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("SHEQU_LOG_LEVEL", "WARNING")},
}
# Indicator dashboard (shequ.indicators): seconds a provider's figures are cached (0: off).
SHEQU_INDICATORS_CACHE_SECONDS = env_int("SHEQU_INDICATORS_CACHE_SECONDS", 60)
# The public appeals page (/public/appeals/): seconds its map's counts per grid are cached per filter (0: off).
SHEQU_PUBLIC_CACHE_SECONDS = env_int("SHEQU_PUBLIC_CACHE_SECONDS", 60)
# How long a process keeps an API token it checked (shequ.accounts.services.api_token_user); 0 = never.
SHEQU_TOKEN_CACHE_SECONDS = env_int("SHEQU_TOKEN_CACHE_SECONDS", 10)
# How long a process keeps the holiday calendar and the service catalog (shequ.core.kept: a change
# through the application is seen at once everywhere, one made with raw SQL within these seconds).
SHEQU_CALENDAR_CACHE_SECONDS = env_int("SHEQU_CALENDAR_CACHE_SECONDS", 60)
SHEQU_CATALOG_CACHE_SECONDS = env_int("SHEQU_CATALOG_CACHE_SECONDS", 10)
