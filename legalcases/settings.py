"""LegalCases settings: one module, driven by environment variables.

Every variable read here is listed in .env.example. Values that differ per
deployment come through the typed helpers below, which reject bad values with
a one-line ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
from pathlib import Path
from typing import Any, cast
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
    # Security (issue 9): login throttling and two-factor authentication; see the Security block.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    # Security (issue 9): request.user.is_verified() for the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Security (issue 9): 12 h absolute / 30 min idle sessions; before the login gate, so an ended
    # session is sent to the login page like any anonymous request.
    "accounts.middleware.SessionTimeoutMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Security (issue 9): lawyers and admins pass TOTP before any staff page.
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cases.audit.AuditContextMiddleware",
    # Security (issue 9): answers a locked-out login with 429 (last, as django-axes asks).
    "axes.middleware.AxesMiddleware",
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

# --- Security (issue 9) -----------------------------------------------------
# Everything security-related lives in this block (apps and middleware above are marked
# "Security (issue 9)"). What is promised and how it is tested: docs/security.md.
# `DEBUG=false manage.py check --deploy --fail-level WARNING` passes (tests/test_security_settings.py).

# Cookies: HttpOnly, SameSite=Lax, Secure outside DEBUG.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_NAME = "lc_session"  # no framework name in a cookie
# Session lifetime: 12 hours after the password at most, 30 minutes without a request
# (accounts.middleware.SessionTimeoutMiddleware; the cookie itself lives 12 hours).
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60, minimum=60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Headers: nosniff, same-origin referrers, no framing (also frame-ancestors in the CSP), HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading is a promise for the whole domain; switch it off (SECURE_HSTS_PRELOAD=false) if a
# subdomain still serves plain HTTP.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: the header is ignored
# and REMOTE_ADDR is the client (accounts.client_ip, used by login throttling, rate limits, audit).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Login: the password check runs behind django-axes, which counts failures per account and per
# client address (either one locks), and answers 429 from the third failure for an hour.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 3, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 60, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]

# Two-factor (django-otp, TOTP + backup codes): required for permissions.REQUIRES_TWO_FACTOR.
OTP_TOTP_ISSUER = "LegalCases"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

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
        # Sessions of lawyers/admins count only after the second factor (issue 9).
        "accounts.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "accounts.permissions.ApiRolePermission",
        "accounts.permissions.ApiTokenScopePermission",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "cases.api.filters.ApiFilterBackend",
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
    # Audit log retention: delete events older than the retention an administrator set (none set: nothing
    # goes) nightly at 04:23 Shanghai time, after the integrity and risk jobs and off the round hour;
    # nightly, because the log only has to stay within its retention by a day. cases/services/audit_retention.py.
    "purge-audit-log": {
        "task": "cases.purge_audit_log",
        "schedule": crontab(hour=4, minute=23),
    },
    # Account risk scores: services recompute them when an input changes; this nightly run at 03:47
    # Shanghai time catches anything they missed (letters or suits recorded in the admin, deletions).
    "refresh-account-risk": {
        "task": "cases.refresh_account_risk",
        "schedule": crontab(hour=3, minute=47),
    },
    # Webhook deliveries left pending or retrying past their time (broker outage, lost worker) are
    # queued again every 10 minutes: receivers hear of an event late rather than never.
    "redeliver-webhooks": {
        "task": "cases.redeliver_webhooks",
        "schedule": crontab(minute="*/10"),
    },
    # Weekly report to executives (last Monday-Sunday, PDF attached) on Monday at 07:30 Shanghai time:
    # the week is complete, and it is in the inbox before the Monday management meeting.
    "weekly-executive-report": {
        "task": "reports.send_weekly_report",
        "schedule": crontab(day_of_week="mon", hour=7, minute=30),
    },
    # Dashboard figures of the preset periods, recomputed into the shared cache every 5 minutes (at a million
    # items a full computation takes seconds; REPORTS_CACHE_SECONDS keeps them twice as long, so they never lapse).
    "warm-dashboard": {
        "task": "reports.warm_dashboard",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Cache, email, logging -------------------------------------------------

_cache_url = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # {% cache %} fragments (cases/fragments.py: the navigation, filter bars, the queue's bulk form): the
    # memory of each web process, so a new release never serves the previous one's markup. A few MB at most.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "legalcases@localhost")

# --- Reports (reports/, docs/metrics.md) --------------------------------------
# The first day of the programme: the dashboard's "since the programme began" preset starts here.
REPORTS_PROGRAM_START = env_str("REPORTS_PROGRAM_START", "2025-06-01")
try:
    datetime.date.fromisoformat(REPORTS_PROGRAM_START)
except ValueError:
    raise ImproperlyConfigured(
        f"REPORTS_PROGRAM_START must be a date as YYYY-MM-DD, not {REPORTS_PROGRAM_START!r}"
    ) from None
# The weekly report goes to every active executive with an email address, plus these (comma-separated).
REPORTS_EXTRA_RECIPIENTS = env_list("REPORTS_EXTRA_RECIPIENTS", [])
# How long the dashboard's figures of a period are served from the cache (0: computed on every request).
REPORTS_CACHE_SECONDS = env_int("REPORTS_CACHE_SECONDS", 600)

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

# --- Outbound webhooks (docs/api.md, "Webhooks") -----------------------------------
# Receivers on private, loopback or link-local addresses are refused (SSRF) unless this is on.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Attempts per delivery; the wait doubles after each failure from WEBHOOK_RETRY_BASE_SECONDS (max 1 hour).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
# XLSX exports of a list stop at this many rows (CSV exports stream without a limit).
EXPORT_XLSX_MAX_ROWS = env_int("EXPORT_XLSX_MAX_ROWS", 100_000, minimum=1)

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
# Days a closed suit's (or letter's) evidence stays under litigation hold before a lawyer may
# release it: a retrial may be sought and enforcement applied for within 2 years (cases/services/holds.py).
LITIGATION_HOLD_RETENTION_DAYS = env_int("LITIGATION_HOLD_RETENTION_DAYS", 730)
# Letterhead printed at the top of lawyer letters (defaults to the company name).
LETTER_LETTERHEAD = env_str("LETTER_LETTERHEAD", "")
# Base address for links in emails (no request there to build them from).
LITIGATION_SITE_URL = env_str("SITE_URL", "http://localhost:8000")
# Criminal Law art. 221 (damaging business reputation): 立案追诉标准(二) (2022) art. 66 prosecutes from a
# direct loss of CNY 500,000. Police-report pages show the items' estimated loss against it (yuan).
ART221_LOSS_THRESHOLD = env_int("ART221_LOSS_THRESHOLD", 500_000, minimum=1)

# --- Operations: faults, probes, logs, storage, Celery reliability (issue 9 items 5-8) -------------
# One block on purpose (several branches edit this file): it adjusts the settings above.

# Request ids for logs, audit rows and X-Request-ID, and 503/507 pages when PostgreSQL, the broker
# or the disk fails (legalcases/health_middleware.py). First, so it wraps every other middleware.
MIDDLEWARE.insert(0, "legalcases.health_middleware.RequestIdMiddleware")
# A stopped database host must fail a request in seconds, not hang it until gunicorn's timeout.
DATABASES["default"]["OPTIONS"] = {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 3, minimum=1)}
# A stalled one too (paused, frozen, packets dropped): after this many seconds a web request's server is
# probed, and if it does not answer the request's connection is cut: a 503 (legalcases/db_watchdog.py). 0: off.
DATABASE_STALL_SECONDS = env_int("DATABASE_STALL_SECONDS", 2, minimum=0)
# Seconds /readyz waits for the broker (the database uses DATABASE_CONNECT_TIMEOUT).
HEALTH_CHECK_TIMEOUT = env_int("HEALTH_CHECK_TIMEOUT", 3, minimum=1)
# Load balancers probe over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Optional read replica for reports and dashboards (reports/ selectors read through the router).
REPORTS_DATABASE_URL = os.environ.get("REPORTS_DATABASE_URL", "").strip()
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = {
        **DATABASES["default"],
        **_database_from_url(REPORTS_DATABASE_URL),
        # Tests never create a second database: the replica mirrors the default one there.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["legalcases.db_routers.ReportsReplicaRouter"]

# Evidence and other uploads: the local filesystem (MEDIA_ROOT) by default, or S3-compatible object
# storage (MinIO, Aliyun OSS, Tencent COS, AWS) with EVIDENCE_STORAGE=s3. Files are never served from
# the bucket directly: downloads go through the application (permissions, custody log), so the
# bucket stays private and needs no public URL. Object lock (WORM) is configured on the bucket:
# docs/deploy.md.
EVIDENCE_STORAGE = env_str("EVIDENCE_STORAGE", "local").lower()
if EVIDENCE_STORAGE == "s3":
    cast(dict[str, Any], STORAGES)["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("EVIDENCE_S3_BUCKET"),
            "endpoint_url": env_str("EVIDENCE_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("EVIDENCE_S3_REGION", "") or None,
            "access_key": env_str("EVIDENCE_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("EVIDENCE_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("EVIDENCE_S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,  # a name is never reused: evidence is never overwritten
            "object_parameters": {"ServerSideEncryption": env_str("EVIDENCE_S3_SSE", "AES256")},
            "signature_version": "s3v4",
            "addressing_style": env_str("EVIDENCE_S3_ADDRESSING_STYLE", "path"),
        },
    }
elif EVIDENCE_STORAGE != "local":
    raise ImproperlyConfigured(f"EVIDENCE_STORAGE must be local or s3, not {EVIDENCE_STORAGE!r}")

# Celery reliability: a task is acknowledged after it ran, so a worker killed mid-task leaves the
# message for another worker (the tasks are idempotent: cases/tasks/). One message at a time per
# worker process, so a long import does not hold others hostage. The visibility timeout (Redis)
# is longer than the hard time limit, so a running task is never handed out twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = HEALTH_CHECK_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT}
# A web request publishing to a broker that is down gives up within about a second (and the caller
# keeps the work queued in the database) instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}
# The same bound for a Redis result backend: every publish also subscribes to the task's result, and its
# default policy (20 retries a second apart) held a request ~19 s when Redis was down (tests/faults/).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
# Jobs queued while the broker was down are sent again every 10 minutes (at :03, :13, ... off the
# round minutes other jobs use).
CELERY_BEAT_SCHEDULE["requeue-import-jobs"] = {
    "task": "cases.requeue_import_jobs",
    "schedule": crontab(minute="3-59/10"),
}
# Owners' status notices that could not be queued (broker down when the move committed) are queued
# again every 10 minutes (at :07, :17, ...): an owner hears of a move late rather than never.
CELERY_BEAT_SCHEDULE["resend-owner-notifications"] = {
    "task": "cases.resend_owner_notifications",
    "schedule": crontab(minute="7-59/10"),
}

# Logs: LOG_FORMAT=json writes one JSON object per line (for a log shipper), text is for people.
# Every line carries the request id; personal data is masked by cases.logfilters.
LOG_FORMAT = env_str("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
_logging = cast(dict[str, Any], LOGGING)  # typed for mypy: the literal above mixes value types
_logging["filters"]["request_id"] = {"()": "legalcases.logging_json.RequestIdLogFilter"}
_logging["formatters"]["json"] = {"()": "legalcases.logging_json.JsonFormatter"}
_logging["formatters"]["text"] = {"format": "{asctime} {levelname} {name} [{request_id}] {message}", "style": "{"}
for _handler in _logging["handlers"].values():
    _handler["filters"] = ["tracking_tokens", "request_id"]
_logging["handlers"]["console"]["formatter"] = LOG_FORMAT
if LOG_FORMAT == "json":
    _logging["handlers"]["django.server"]["formatter"] = "json"
# Pinned whatever LOG_LEVEL says: at DEBUG, django.template logs every missing variable with the whole
# template context, which holds decrypted personal data on staff pages.
_logging["loggers"]["django.template"] = {"level": "INFO"}
