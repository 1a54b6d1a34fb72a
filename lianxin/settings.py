"""Lianxin settings, read from the environment with laptop defaults.

Every variable is listed in `.env.example`. A malformed value stops the start with a clear message
rather than falling back silently.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIANXIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _secret_from_var(name: str, make) -> str:
    """Read a generated secret from var/, creating it once (atomically) on first start."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make())
    return path.read_text().strip()


DEBUG = env_bool("LIANXIN_DEBUG", True)

SECRET_KEY = os.environ.get("LIANXIN_SECRET_KEY") or _secret_from_var(
    "secret_key", lambda: secrets.token_urlsafe(50)
)
# One or more Fernet keys, comma-separated; the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = env_list("LIANXIN_FIELD_KEY", []) or [
    _secret_from_var("field_key", lambda: Fernet.generate_key().decode())
]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "LIANXIN_FIELD_KEY must hold Fernet keys (32 url-safe base64 bytes), comma-separated"
        ) from None

ALLOWED_HOSTS = env_list("LIANXIN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("LIANXIN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "treebeard",
    "simple_history",
    "axes",
    "huey.contrib.djhuey",
    "lianxin.core",
    "lianxin.org",
    "lianxin.members",
    "lianxin.appeals",
    "lianxin.assistance",
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
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lianxin.urls"
WSGI_APPLICATION = "lianxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lianxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lianxin.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("LIANXIN_SQLITE_PATH", str(VAR_DIR / "lianxin.sqlite3")),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, jobs -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("LIANXIN_CACHE_PREFIX", "lianxin"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

HUEY_IMMEDIATE = env_bool("LIANXIN_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "lianxin",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "lianxin",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lianxin.core.auth.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

AXES_FAILURE_LIMIT = env_int("LIANXIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LIANXIN_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
# Lock the account, not the address: union offices sit behind one NAT address, and locking it
# would lock out a whole workshop after one person's typos.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lianxin.core.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "lianxin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("LIANXIN_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "lianxin" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("LIANXIN_MEDIA_ROOT", VAR_DIR / "media"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("LIANXIN_IMPORT_MAX_MB", 40) * 1024 * 1024

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("LIANXIN_SESSION_HOURS", 12) * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("LIANXIN_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("LIANXIN_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("LIANXIN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("LIANXIN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("LIANXIN_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = ["axes.W006"] + (
    ["security.W021"] if not env_bool("LIANXIN_HSTS_PRELOAD", False) else []
)

# --- Mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("LIANXIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("LIANXIN_FROM_EMAIL", "lianxin@localhost")

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIANXIN_LOG_LEVEL", "WARNING")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# --- Lianxin ------------------------------------------------------------------------------------
LIANXIN_PAGE_SIZE = env_int("LIANXIN_PAGE_SIZE", 50)
NINJA_PAGINATION_PER_PAGE = LIANXIN_PAGE_SIZE
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

# Appeals: working days past the deadline before an overdue appeal escalates to the next level up
# (and again for each further period), days a worker has to rate an answer, attachment limits.
LIANXIN_APPEAL_ESCALATION_GRACE_DAYS = env_int("LIANXIN_APPEAL_ESCALATION_GRACE_DAYS", 1)
LIANXIN_APPEAL_RATING_DAYS = env_int("LIANXIN_APPEAL_RATING_DAYS", 7)
LIANXIN_APPEAL_REFERRAL_DAYS = env_int("LIANXIN_APPEAL_REFERRAL_DAYS", 3)
LIANXIN_ATTACHMENT_MAX_MB = env_int("LIANXIN_ATTACHMENT_MAX_MB", 10)
LIANXIN_SWEEP_MINUTES = env_int("LIANXIN_SWEEP_MINUTES", 15)

# Notifications: the address links point to, and the SMS sender (a class with send(phone, text)).
LIANXIN_SITE_URL = os.environ.get("LIANXIN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
LIANXIN_SMS_SENDER = os.environ.get("LIANXIN_SMS_SENDER", "lianxin.core.notifications.ConsoleSmsSender")
