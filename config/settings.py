"""Settings for the Ketamine Care Directory.

Every setting is declared once here. Values come from the environment (django-environ);
with nothing set the project runs on the *embedded default*: an SQLite file, console
email and a Celery broker on the local filesystem, so one command serves everything.
With ``DJANGO_DEBUG=false`` the secure choices are the defaults and a real secret key
is required.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY)
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    if len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters "
            "when DJANGO_DEBUG is false."
        )

# A TLS-terminating proxy in front: trust its X-Forwarded-Proto and X-Forwarded-For.
_BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "core",
    "accounts",
    "directory",
    "booking",
    "notifications",
    "audit",
    "demo",
    "web",
]

MIDDLEWARE = [
    # First: the request id is set before anything logs, and the duration covers everything.
    "core.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # An oversized API body is a 413 before anything reads it (core/http_errors.py).
    "core.http_errors.ApiRequestLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Permissions-Policy everywhere; CSP for the admin, /api/docs/ and non-page responses.
    # Listed before (outside) web's policy, so it sees web's header and leaves it alone.
    "core.headers.SecurityHeadersMiddleware",
    "web.middleware.ContentSecurityPolicyMiddleware",
    # A view that loses the database answers 503 (retry), not 500 (core/middleware.py).
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two bookings of one slot
    # are serialised by the database; WAL lets readers go on while a writer holds the lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis, cache and Celery ------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # RedisCache that reads as a miss while Redis is down (throttles fail open).
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kcd",
        }
    }
else:
    # Shared by every process of the embedded default (web, worker, beat), unlike locmem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": BASE_DIR / "var" / "cache",
        }
    }

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _queue_dir = BASE_DIR / "var" / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_queue_dir / "control"),
    }
else:
    # A Redis blip must not hang a web request that only wants to enqueue a task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}
    CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Sends every due or missed outbox email (confirmations, changes, reminders).
    "notifications-send-due": {
        "task": "notifications.tasks.send_due_notifications",
        "schedule": 60.0,
    },
    # Frees slots whose web-booking hold ran out.
    "booking-expire-holds": {"task": "booking.tasks.expire_holds", "schedule": 60.0},
    # next_available moves as time passes (minimum notice, days ending).
    "booking-refresh-next-available": {
        "task": "booking.tasks.refresh_stale_next_available",
        "schedule": 300.0,
    },
    # Proves beat and a worker are alive: /readyz reads the time it records (core/tasks.py).
    "core-heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
}

# --- Email ------------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Ketamine Care Directory <no-reply@ketamine-care.example>"
)
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

# --- Notifications (outbox; see docs/NOTIFICATIONS.md) -----------------------------------
# Discreet sender name: inboxes show it next to the subject.
NOTIFICATIONS_FROM_EMAIL = env.str(
    "NOTIFICATIONS_FROM_EMAIL", default="Appointments <no-reply@care-directory.example>"
)
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env.str("NOTIFICATIONS_MESSAGE_ID_DOMAIN", default="care.example")
# A claimed email is reclaimable after this; longer than a task's hard time limit (90 s), so
# a sender that is still alive never loses its claim to another one.
NOTIFICATIONS_CLAIM_LEASE_SECONDS = env.int("NOTIFICATIONS_CLAIM_LEASE_SECONDS", default=300)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = 60  # 1, 2, 4, 8, 16 minutes ...
NOTIFICATIONS_RETRY_MAX_SECONDS = 3600
NOTIFICATIONS_SEND_BATCH = 50  # rows claimed at once by a sweep
NOTIFICATIONS_SWEEP_SECONDS = 40.0  # a sweep stops claiming after this (soft limit is 60 s)
NOTIFICATIONS_WAITLIST_BATCH = 3  # waiting patients offered each freed slot

# --- Auth -------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Our stylesheet, scripts and vendored htmx/Leaflet (no CDN, no build step).
STATICFILES_DIRS = [BASE_DIR / "static"]
# Map tiles for the search page; the page works without them (the list is primary).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ORIGIN = env.str("MAP_TILE_ORIGIN", default="https://tile.openstreetmap.org")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MANIFEST_STRICT = False

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",  # adds the shared error responses
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.StrictJSONParser",  # refuses lone surrogates and runaway nesting (400)
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Search and booking scopes (core/throttles.py); login/registration set their own.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.RequestRateThrottle"],
    # Client address for anonymous throttles: with a proxy, its X-Forwarded-For entry;
    # without, the socket address (a forged X-Forwarded-For then changes nothing).
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=1 if _BEHIND_PROXY else 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ketamine Care Directory API",
    "DESCRIPTION": (
        "Find ketamine-assisted addiction treatment providers and book a first consultation. "
        'Errors are `{"detail", "code"}`; validation errors add per-field `errors`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The contract is JSON; form bodies are tolerated, not offered.
    "PARSER_WHITELIST": ["core.parsers.StrictJSONParser"],
    # Two models have a "kind" choice set; name their enums instead of a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "ProviderKindEnum": "directory.models.Provider.Kind",
        "InsurancePlanKindEnum": "directory.models.InsurancePlan.Kind",
        # Four intake questions share the yes/no/unsure answers.
        "YesNoUnsureEnum": "booking.intake.YES_NO_UNSURE",
    },
}

RATE_LIMITS = env.bool("RATE_LIMITS", default=True)
# Per client address (search, auth) or per user (booking); counted in the default cache.
THROTTLE_RATES = {
    "search": env.str("THROTTLE_RATE_SEARCH", default="120/min"),
    "booking": env.str("THROTTLE_RATE_BOOKING", default="20/min"),
    "auth": env.str("THROTTLE_RATE_AUTH", default="20/min"),
}

# --- Security (secure by default when DEBUG is off) -------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP
if _BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# --- Logging ----------------------------------------------------------------------------
# Never log personal health information: loggers get ids and codes, never names, emails,
# reasons, intake answers, request bodies or query strings. core.requestlog logs one line
# per request (method, path, status, duration, user id, request id); every record carries
# the request id (core.logging.RequestContextFilter). LOG_FORMAT=json for log collectors.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "core.logging.RequestContextFilter"},
        "no_template_context": {"()": "core.logging.DropTemplateVariableErrors"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django logs 4xx/5xx as "Bad Request: <path>"; core.request already has one line per
        # request, so only errors (with their traceback) are kept.
        "django.request": {"level": "ERROR"},
        # runserver's access line has the query string; core.request replaces it.
        "django.server": {"level": "WARNING"},
        # At DEBUG, SQL with its parameters (names, emails, intake answers): never.
        "django.db.backends": {"level": "INFO"},
        # At DEBUG, a missing template variable is logged with the whole context (an
        # email's holds the patient's name): dropped by a filter, whatever the level.
        "django.template": {"level": "INFO", "filters": ["no_template_context"]},
    },
}

# Tests use a file for SQLite (not memory) so that threads and worker processes share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / env.str("SQLITE_TEST_NAME", default="test-db.sqlite3"))
    }
