"""
Settings for the conference portal.

Everything that differs between a laptop, CI and production is read from the
environment; the defaults are the embedded setup of `make run` (SQLite, an
on-disk Celery broker, mail to the console), which needs nothing but Python.
The README lists every variable.
"""

import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "True")
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.getenv("SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: the development key is for DEBUG mode only.")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_ROOT = os.getenv("SITE_ROOT", "http://localhost:8000").rstrip("/")
SITE_NAME = os.getenv("SITE_NAME", "Conference Portal")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "django_countries",
    "conference.core.apps.ConferenceConfig",
    "accounts",
    "sessions_app",
    "b2b_meetings",
    "conference.portal.apps.PortalConfig",
    "conference.portal.broadcasts.apps.BroadcastsConfig",
    "ninja",
    "conference.api.apps.ApiConfig",
]

MIDDLEWARE = [
    # Outermost: every log line of the request carries its id, and the latency
    # recorded per view covers all the middleware (conference/core/logs.py, metrics.py).
    "conference.core.logs.RequestIdMiddleware",
    "conference.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Headers for every response, whatever answers it (conference/core/middleware.py).
    "conference.core.middleware.PermissionsPolicyMiddleware",
    "conference.core.middleware.PrivatePagesMiddleware",
    # Before anything reads the session, the user or the database.
    "conference.core.middleware.RefuseNulMiddleware",
    # A stateless visitor's public page from the shared copy, before sessions,
    # users and views (conference/core/shared_cache.py).
    "conference.core.shared_cache.SharedPageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # X-Portal-User on pages of a signed-in person, for the service worker's cache.
    "conference.portal.middleware.PortalUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Innermost: a signed-in page kept for its session while nothing was
    # written (conference/core/private_cache.py), answered instead of the view.
    "conference.core.private_cache.PrivatePageMiddleware",
]

ROOT_URLCONF = "conference.urls"
WSGI_APPLICATION = "conference.wsgi.application"

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
                "conference.core.context_processors.portal",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL says otherwise. Production and the
# test suite use PostgreSQL; some constraints (slot exclusion) exist only there.
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker share the file: wait for a lock rather than fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
# DATABASE_POOLER=pgbouncer: DATABASE_URL points at pgbouncer in transaction
# mode, where each transaction may run on another server connection, so
# nothing may rely on session state. A server-side cursor (`.iterator()`
# outside a transaction: the exports, and the choices of every ModelChoiceField)
# would be declared WITH HOLD on one server and fetched on another ("cursor
# does not exist"): they are off, and `.iterator()` reads its whole result at
# once. pgbouncer re-applies the time zone Django sets; psycopg2 prepares
# nothing on the server. Persistent connections (DB_CONN_MAX_AGE) then keep
# only the cheap link to pgbouncer; the health check notices one pgbouncer
# closed. Session state that must last (the beat leader's advisory lock,
# conference/core/beat.py) goes through the `direct` connection,
# DATABASE_DIRECT_URL: PostgreSQL itself, or a session-mode pool. README,
# "Database connection pooling (pgbouncer)".
DATABASE_POOLER = os.getenv("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
if DATABASE_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if not os.getenv("DATABASE_DIRECT_URL"):
        raise ImproperlyConfigured(
            "DATABASE_POOLER needs DATABASE_DIRECT_URL: PostgreSQL without the pooler."
        )
    DATABASES["direct"] = {
        **dj_database_url.parse(os.environ["DATABASE_DIRECT_URL"], conn_health_checks=True),
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis serves as Celery broker and as the shared cache (rate limits, page
# caches). Without it, the cache is per process and the broker is a folder.
REDIS_URL = os.getenv("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to "no cache" while Redis is down (conference/core/cache.py).
            "BACKEND": "conference.core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.getenv("CACHE_KEY_PREFIX", "portal"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Sessions are read on every signed-in request: from Redis, written
    # through to PostgreSQL (which stays the record, so a Redis restart logs
    # nobody out). Not with the per-process cache below: a logout in one
    # process would leave the session alive in the others' copies.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Signed-in pages kept per session while nothing is written
# (conference/core/private_cache.py): only with a cache all processes share.
PRIVATE_PAGE_CACHE = envbool("PRIVATE_PAGE_CACHE", "1" if REDIS_URL else "0")
if PRIVATE_PAGE_CACHE and not REDIS_URL:
    raise ImproperlyConfigured("PRIVATE_PAGE_CACHE needs REDIS_URL: a cache every process shares.")

AUTH_USER_MODEL = "accounts.User"
# allauth's backend only (it extends ModelBackend for permissions): every
# password is checked in allauth's flow, with its rate limits and second
# factor; the admin logs in through it too (conference/urls.py).
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: email is the login; sign-up only through an invitation
# (accounts.adapter decides). Rate limits live in the cache, so in production
# they are shared by every web process through Redis.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# The address is the identity the organisers invited, not something a person
# manages: sign-up from an invitation verifies it (the link came to that
# mailbox); only a verified address logs in; /accounts/email/ only shows it
# (accounts.views.email); an unknown address typed into the password-reset
# form is not mailed (the portal does not mail addresses it does not know).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Number of reverse proxies in front of the app whose X-Forwarded-For entries
# are trusted; 0 means the socket address is the client (forged headers ignored).
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
# Two-factor authentication (TOTP plus recovery codes). Organisers and security
# officers must have it where the conference requires it (conference.core.permissions).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {
    "authenticate": "accounts.forms.MfaAuthenticateForm",
    "reauthenticate": "accounts.forms.MfaReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
}
MFA_TOTP_ISSUER = SITE_NAME

# Internationalisation: stored in UTC, shown in the conference's zone.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images (profile photos, logos) and prepared exports go through
# Django's storage API and are served by views that check who asks, never from
# a public URL. FILE_STORAGE chooses: `filesystem` (MEDIA_ROOT, the default of
# `make run`) or `database` (PostgreSQL rows, conference/core/storage.py: what
# several web and worker nodes share with no other service). STORAGE_BACKEND,
# when set, overrides both with any storage class, e.g. an object store:
# STORAGE_BACKEND=storages.backends.s3.S3Storage STORAGE_OPTIONS='{"bucket_name": "…"}'.
FILE_STORAGES = {
    "filesystem": "django.core.files.storage.FileSystemStorage",
    "database": "conference.core.storage.DatabaseStorage",
}
FILE_STORAGE = os.getenv("FILE_STORAGE", "filesystem")
if FILE_STORAGE not in FILE_STORAGES:
    raise ImproperlyConfigured(f"FILE_STORAGE must be one of {', '.join(FILE_STORAGES)}.")
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"  # never routed: see b2b_meetings.matchmaking views
STORAGES = {
    "default": {
        "BACKEND": os.getenv("STORAGE_BACKEND") or FILE_STORAGES[FILE_STORAGE],
        "OPTIONS": json.loads(os.getenv("STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Exports: above EXPORT_INLINE_MAX_ROWS rows an XLSX, PDF or badge sheet is
# prepared by a worker (conference/portal/exports/jobs.py) instead of inside the
# request; its file stays in the storage above for EXPORT_FILE_HOURS.
EXPORT_INLINE_MAX_ROWS = envint("EXPORT_INLINE_MAX_ROWS", "2000")
EXPORT_FILE_HOURS = envint("EXPORT_FILE_HOURS", "24")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The first handler stops a file as soon as it is over its view's limit
# (conference/core/uploads.py), before the others keep a byte of it in memory or on disk.
FILE_UPLOAD_HANDLERS = [
    "conference.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Email: every message is an outbox row first; this backend only delivers it.
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = envint("EMAIL_PORT", "587")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "False")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "20")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "conference@example.org")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Delivery attempts before an outbox row is marked failed.
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", "6")

# The API (conference/api/): requests per token per minute (0: no limit).
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", "1200")

# Webhooks (conference/api/webhooks/)
# Networks a webhook URL may resolve to although they are not public (CIDR,
# comma-separated), e.g. a receiver inside the organisers' own network.
WEBHOOK_ALLOWED_NETWORKS = envlist("WEBHOOK_ALLOWED_NETWORKS", "")
# Per step (connect, send, read) of one delivery.
WEBHOOK_TIMEOUT_SECONDS = envint("WEBHOOK_TIMEOUT_SECONDS", "10")
# Seconds to wait before attempt n+1 after n failed attempts (the last repeats);
# the minute sweep retries, so delays under a minute round up to it.
WEBHOOK_RETRY_DELAYS = [
    int(delay) for delay in envlist("WEBHOOK_RETRY_DELAYS", "60,300,1800,7200,18000,36000")
]
# Attempts before a message is marked failed.
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", "8")
# Consecutive failed attempts after which an endpoint is disabled (organisers told).
WEBHOOK_DISABLE_AFTER = envint("WEBHOOK_DISABLE_AFTER", "20")

# Celery: Redis in production and tests; an on-disk broker folder otherwise,
# so `make run` has a real worker and beat with no server to install.
# (The host part of the filesystem URL is unused; naming one silences a kombu warning.)
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # Publishing from a request while Redis is down must fail at once (the
        # outbox sweep delivers later), not retry for seconds per message.
        # Workers reconnect by their own policy (broker_connection_max_retries).
        "max_retries": 0,
        "socket_connect_timeout": 2,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "False")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The deployed code's version (e.g. the image's git commit); cached pages are
# keyed by it (conference/core/release.py). Empty: a digest of the sources.
CODE_VERSION = os.getenv("CODE_VERSION", "")
CELERY_BEAT_SCHEDULE_FILENAME = os.getenv(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "celerybeat-schedule")
)
# Beat with a leader lock on PostgreSQL (conference/core/beat.py): of several
# beat processes one sends, the others take over within this many seconds of its death.
CELERY_BEAT_SCHEDULER = "conference.core.beat:LeaderScheduler"
CELERY_BEAT_LEADER_RETRY_SECONDS = envint("CELERY_BEAT_LEADER_RETRY_SECONDS", "5")
# Beat must have written its heartbeat within this many seconds for /healthz.
HEARTBEAT_MAX_AGE_SECONDS = envint("HEARTBEAT_MAX_AGE_SECONDS", "180")
# /healthz names each dependency's state only to the local network and to
# callers that send `Authorization: Bearer <HEALTHZ_TOKEN>`; others get the status.
HEALTHZ_TOKEN = os.getenv("HEALTHZ_TOKEN", "")
# /metrics (Prometheus) answers the local network and `Authorization: Bearer
# <METRICS_TOKEN>`; anyone else gets a bare 403. With gunicorn's several
# processes, set PROMETHEUS_MULTIPROC_DIR (README, "Health, metrics and logs").
METRICS_TOKEN = os.getenv("METRICS_TOKEN", "")

# Security. With DEBUG off, `manage.py check --deploy` is silent.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The language cookie holds no secret, but no script reads it either.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page uses, turned off (conference.core.middleware); the
# check-in desk turns the camera back on for its badge scanner.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    # Load balancers probe, and Prometheus scrapes, over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "True")
if ALLAUTH_TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = envbool("USE_X_FORWARDED_HOST", "False")

# A strict policy: no inline script or style anywhere, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The web app: its manifest and service worker come from the site itself.
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs: plain text by default (`make run`); LOG_FORMAT=json writes one JSON
# object per line. Every record carries the request id of the request or task
# it belongs to (conference/core/logs.py); Celery workers and beat log through
# this configuration too (conference/celery.py).
LOG_FORMAT = os.getenv("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "conference.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "conference.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The access log, one line per request (conference.core.metrics): in
        # JSON only, where nothing else would tie a request id to its route.
        "conference.requests": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}

# Error reports to Sentry, only when SENTRY_DSN is set (without it nothing is
# imported or sent); never personal data (conference.core.logs.sentry_init).
SENTRY_DSN = os.getenv("SENTRY_DSN", "")
if SENTRY_DSN:
    from conference.core.logs import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=os.getenv("SENTRY_ENVIRONMENT", ""),
        release=os.getenv("SENTRY_RELEASE", ""),
    )
