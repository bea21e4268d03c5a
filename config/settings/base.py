"""Settings shared by every environment; other files only override."""
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
    "shequ.core",
    "shequ.accounts",
    "shequ.jurisdiction",
    "shequ.registry",
    "shequ.appeals",
    "shequ.proactive",
    "shequ.whistle",
    "shequ.agency",
    "shequ.indicators",
    "shequ.notify",
    "shequ.selfservice",
    "shequ.transfer",
    "shequ.open311",
    "shequ.web",
    "shequ.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shequ.core.middleware.RequestContextMiddleware",
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "shequ" / "locale"]
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
SHEQU_NOTIFY_WECHAT = {"app_id": env("SHEQU_NOTIFY_WECHAT_APP_ID", ""), "app_secret": env("SHEQU_NOTIFY_WECHAT_SECRET", ""),
                       "template_id": env("SHEQU_NOTIFY_WECHAT_TEMPLATE", "")}

SESSION_COOKIE_HTTPONLY = True
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
