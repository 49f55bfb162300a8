"""LegalCases settings: one module, driven by environment variables.

Every variable read here is listed in .env.example. Values that differ per
deployment come through the typed helpers below, which reject bad values with
a one-line ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from urllib.parse import urlparse

from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _read_dotenv(path: Path) -> None:
    """Load KEY=VALUE lines from .env without overriding the real environment."""
    if not path.is_file():
        return
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ImproperlyConfigured(f"{path.name} line {number}: expected KEY=VALUE")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


if os.environ.get("LEGALCASES_IGNORE_DOTENV", "").lower() not in _TRUE:
    _read_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def _database_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// (PostgreSQL is the only database), not {parsed.scheme!r}"
        )
    name = parsed.path.lstrip("/")
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://user@host:5432/legalcases")
    query = dict(part.split("=", 1) for part in parsed.query.split("&") if "=" in part)
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL has a port that is not a number") from None
    return {
        "NAME": name,
        "USER": parsed.username or "",
        "PASSWORD": parsed.password or "",
        "HOST": query.get("host") or parsed.hostname or "",
        "PORT": str(port or query.get("port") or ""),
    }


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105 - DEBUG only
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-")):
    raise ImproperlyConfigured("SECRET_KEY must be a real secret of at least 50 characters when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else None)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set the environment variable ALLOWED_HOSTS (comma-separated) when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files (no CDN)
    "accounts",
    "cases",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cases.audit.AuditContextMiddleware",
]

ROOT_URLCONF = "legalcases.urls"
WSGI_APPLICATION = "legalcases.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

# --- Database: PostgreSQL only ---------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    _db = _database_from_url(DATABASE_URL)
else:
    # No DATABASE_URL: start (or reuse) the embedded PostgreSQL in var/postgres.
    from legalcases import embedded_postgres

    _db = {"PASSWORD": "", "PORT": "", **embedded_postgres.start(BASE_DIR / "var" / "postgres")}

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        **_db,
        # Persistent connections: a new backend per request halves throughput (PERFORMANCE.md).
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": os.environ.get("DATABASE_TEST_NAME") or None},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation: Chinese first -----------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "legalcases" / "locale"]
FORMAT_MODULE_PATH = ["legalcases.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security ---------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): no inline script or style, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Personal data (owners' contact details) is encrypted at rest with Fernet.
# FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys; the first encrypts, all decrypt
# (rotation: put the new key first, run `manage.py rotate_encryption_keys`, drop the old).
_dev_key = base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [_dev_key] if DEBUG else None)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set the environment variable FIELD_ENCRYPTION_KEYS when DEBUG is off")
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (44 characters of url-safe base64)"
        ) from None

# --- REST API -----------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes requests without credentials get 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "accounts.permissions.ApiRolePermission",
        "accounts.permissions.ApiTokenScopePermission",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "cases.api.filters.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cases.api.pagination.FastPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": ["cases.api.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "cases.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "cases.api.schema.ApiAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["cases.api.throttling.TokenRateThrottle"],
    # Per token (or per user for browser sessions); bulk calls also count against api_bulk.
    "DEFAULT_THROTTLE_RATES": {"api": "1200/minute", "api_bulk": "120/minute"},
    "UNICODE_JSON": True,
}
# The asynchronous bulk import (POST /api/v1/content-items/bulk-async/) takes bigger batches than
# the 5,000 items / 10 MB (DATA_UPLOAD_MAX_MEMORY_SIZE) of the synchronous one.
API_BULK_ASYNC_MAX_ITEMS = 50_000
API_BULK_ASYNC_MAX_BYTES = 40 * 1024 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "LegalCases API",
    "DESCRIPTION": (
        "REST API v1 of LegalCases (DESIGN.md §5): monitoring vendors push content items; internal "
        "systems read cases. Authenticate with `Authorization: Token <key>` or a staff session (with "
        "CSRF). Every error is JSON. Walk-through: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False},
    # Several models have a "status": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": "cases.models.Campaign.Status",
        "EvidenceStatusEnum": "cases.models.Evidence.Status",
        "PlatformComplaintStatusEnum": "cases.models.PlatformComplaint.Status",
        "LawyerLetterStatusEnum": "cases.models.LawyerLetter.Status",
        "AssistanceRequestStatusEnum": "cases.models.AssistanceRequest.Status",
        "ImportJobStatusEnum": "cases.models.ImportJob.Status",
        "LiveStatusEnum": "cases.models.ContentItem.LiveStatus",
        "LawsuitStageEnum": "cases.models.Lawsuit.Stage",
        "LawsuitOutcomeEnum": "cases.models.Lawsuit.Outcome",
        "LawyerLetterOutcomeEnum": "cases.models.LawyerLetter.Outcome",
    },
}

# --- Celery -------------------------------------------------------------------

# No broker configured: tasks run eagerly in-process, so the demo needs nothing else.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Every periodic job is declared here, and only here.
# Each entry says why its crontab is what it is. (The workflow issues add the jobs.)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Evidence integrity: re-hash every stored file nightly at 03:17 Shanghai time. Nightly, because a
    # tampered or lost file must be flagged (and lawyers emailed) within a day; at 03:17, because reading
    # every file is I/O-heavy and nobody works then, off the round hour other jobs cluster on.
    "verify-evidence-integrity": {
        "task": "cases.verify_evidence_integrity",
        "schedule": crontab(hour=3, minute=17),
    },
    # Litigation deadline reminders at 08:05 Shanghai time every day (weekends too: a deadline that
    # falls on Monday must still be flagged on Saturday when its 3-day or 1-day threshold passes).
    # Morning, so lawyers read it at the start of the working day; reminded_at makes re-runs harmless.
    "litigation-deadline-reminders": {
        "task": "cases.send_deadline_reminders",
        "schedule": crontab(hour=8, minute=5),
    },
    # Import jobs whose worker died are marked failed (never stuck "running"): hourly at :25, which is
    # soon enough for an analyst waiting on a file and far from the nightly jobs.
    "fail-stale-import-jobs": {
        "task": "cases.fail_stale_import_jobs",
        "schedule": crontab(minute=25),
    },
    # Owners' personal data: purge withdrawn requests and those past retention daily at 02:40 Shanghai
    # time. Daily, because PIPL asks for deletion without delay once the purpose ends; at night, off peak.
    "purge-assistance-personal-data": {
        "task": "cases.purge_assistance_personal_data",
        "schedule": crontab(hour=2, minute=40),
    },
}

# --- Cache, email, logging -------------------------------------------------

_cache_url = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "legalcases@localhost")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Owners' private tracking links never reach a log line (runserver's request log included).
    "filters": {"tracking_tokens": {"()": "cases.logfilters.TrackingTokenLogFilter"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tracking_tokens"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["tracking_tokens"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# --- Domain settings ----------------------------------------------------------

# Owners' personal data is kept this many days after a request closes, unless on litigation hold.
ASSISTANCE_RETENTION_DAYS = env_int("ASSISTANCE_RETENTION_DAYS", 365, minimum=1)
# Version of the PIPL notice shown on the public form; bump it whenever its text changes.
PRIVACY_NOTICE_VERSION = env_str("PRIVACY_NOTICE_VERSION", "2025-10")

# --- Evidence -------------------------------------------------------------------
# Largest file that can be fixed as evidence (screen recordings are the big ones).
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_BYTES", 500 * 1024 * 1024, minimum=1)
# Web capture drives this Chromium through Playwright (Debian package "chromium").
EVIDENCE_CHROMIUM_PATH = env_str("EVIDENCE_CHROMIUM_PATH", "/usr/bin/chromium")
# Web capture refuses hosts that resolve to private, loopback or link-local addresses (SSRF) unless
# listed here, comma-separated, e.g. an intranet mirror. Tests allow 127.0.0.1 for a local page.
# Timestamp/deposit provider asked after each upload (cases/services/attestation.py): "none", or the dotted
# path of a provider class. "cases.services.attestation.LocalStubTimestamp" is for tests: NOT a legal timestamp.
EVIDENCE_ATTESTATION_PROVIDER = env_str("EVIDENCE_ATTESTATION_PROVIDER", "none")
# For "cases.services.attestation.OpensslTsa": the OpenSSL config whose [tsa] section names the TSA's key and cert.
EVIDENCE_TSA_OPENSSL_CONFIG = env_str("EVIDENCE_TSA_OPENSSL_CONFIG", "")
# Owners' status notices by SMS go through this class (send(*, phone, message)); the console sender prints
# with DEBUG on and otherwise sends nothing.
ASSISTANCE_SMS_SENDER = env_str("ASSISTANCE_SMS_SENDER", "cases.services.assistance.ConsoleSmsSender")
EVIDENCE_CAPTURE_ALLOWED_HOSTS = [
    h.strip().lower() for h in env_str("EVIDENCE_CAPTURE_ALLOWED_HOSTS", "").split(",") if h.strip()
]

# --- Litigation -----------------------------------------------------------------
# Court suggested for a new suit (editable per suit). Since 法释〔2025〕14号 (2025-11-01) internet
# courts hear 网络不正当竞争 (commercial disparagement, false advertising); online reputation cases
# went back to the basic court of the plaintiff's domicile (DOMAIN.md §2; verify case by case).
LITIGATION_HOME_COURT = env_str("LITIGATION_HOME_COURT", "北京互联网法院")
LITIGATION_HOME_BASIC_COURT = env_str("LITIGATION_HOME_BASIC_COURT", "北京市海淀区人民法院")
# The company as plaintiff on new suits.
LITIGATION_COMPANY_NAME = env_str("LITIGATION_COMPANY_NAME", "本公司")
# Days before a deadline on which the responsible lawyer is emailed (once per threshold).
LITIGATION_REMINDER_DAYS = [int(d) for d in env_list("LITIGATION_REMINDER_DAYS", ["7", "3", "1"])]
# Public holidays (ISO dates) on which a period cannot end; weekends are built in. Only the fixed
# statutory days are listed by default: add the State Council's holiday notice each December
# (env LITIGATION_HOLIDAYS, comma-separated). Make-up working days (调休) are not modelled.
LITIGATION_HOLIDAYS = env_list(
    "LITIGATION_HOLIDAYS", ["2026-01-01", "2026-05-01", "2026-10-01", "2026-10-02", "2027-01-01"]
)
# Base address for links in emails (no request there to build them from).
LITIGATION_SITE_URL = env_str("SITE_URL", "http://localhost:8000")
