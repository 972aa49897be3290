"""Settings for the leadership network, read once from environment variables.

With nothing set, the site runs locally on SQLite with tasks run in-process and mail printed to
the console. Each variable is listed in the README. A bad value stops start-up with a clear error.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, *, default: bool) -> bool:
    raw = env_str(name).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}.")


def env_int(name: str, *, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "local-development-only-not-secret"  # noqa: S105 - used only with DEBUG on

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}.")

INSTALLED_APPS = [
    "board.apps.BoardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anymail",
    "csp",
    "network",
    "members",
    "invitations",
    "events",
    "mentoring",
    "discussions",
    "board",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "network.middleware.RequestIdMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "network.middleware.PrivateCacheMiddleware",
    "network.middleware.SearchEngineMiddleware",
    "board.middleware.GuidelinesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

if not DEBUG:
    # WhiteNoise serves the collected static files in production; locally runserver does.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "network.urls"
WSGI_APPLICATION = "network.wsgi.application"

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
                "network.context_processors.network",
            ],
        },
    },
]
FORM_RENDERER = "network.forms.NHSFormRenderer"

# Databases: SQLite with no configuration; PostgreSQL (psycopg 3) through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BASE_DIR / "db.sqlite3"),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: when set, the Celery broker and the cache; when not, tasks run in-process. While Redis
# cannot be reached, the cache falls back to each process's memory (network/cache.py).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "network.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "network",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Run in-process, a task's failure is logged and recorded like a worker's, not raised into the
# page that queued it; mail retries then follow at once instead of after a delay.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = "Europe/London"
# A task is acknowledged only when it finishes, and handed back if its worker dies; each worker
# takes one task at a time, so a slow provider does not hold others' mail.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "sweep-outbox": {"task": "network.tasks.sweep_outbox", "schedule": 60},
    "invitation-reminders": {
        "task": "invitations.tasks.send_invitation_reminders",
        "schedule": 60 * 60,
    },
    "expire-invitations": {"task": "invitations.tasks.expire_invitations", "schedule": 60 * 60},
    "clear-expired-sessions": {
        "task": "network.tasks.clear_expired_sessions",
        "schedule": 24 * 60 * 60,
    },
    # Every five minutes, so the hour-before reminder leaves close to the hour.
    "event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": 5 * 60},
    "lapse-waiting-list-offers": {
        "task": "events.tasks.lapse_waiting_list_offers",
        "schedule": 5 * 60,
    },
    "event-feedback-requests": {"task": "events.tasks.request_event_feedback", "schedule": 60 * 60},
    "erase-past-access-needs": {
        "task": "events.tasks.erase_past_access_needs",
        "schedule": 24 * 60 * 60,
    },
    # Mentoring keeps days and weeks, so hourly is close enough: each runs once however often.
    "mentoring-request-reminders-and-lapses": {
        "task": "mentoring.tasks.remind_and_lapse_requests",
        "schedule": 60 * 60,
    },
    "mentoring-fit-questions": {"task": "mentoring.tasks.ask_fit_questions", "schedule": 60 * 60},
    "mentoring-check-in-reminders": {
        "task": "mentoring.tasks.remind_check_ins",
        "schedule": 60 * 60,
    },
    "mentoring-end-of-term": {"task": "mentoring.tasks.finish_pairings", "schedule": 60 * 60},
    # A suspension ends on its date by itself, within a quarter of an hour.
    "end-suspensions": {"task": "members.tasks.end_suspensions", "schedule": 15 * 60},
    "prune-audit-log": {"task": "network.tasks.prune_audit_log", "schedule": 24 * 60 * 60},
    # Once a day at seven, London time (CELERY_TIMEZONE), before the working day.
    "discussion-digests": {
        "task": "discussions.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:home"

# Accounts: email only, no usernames; signup is closed unless an invitation opens it.
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Leadership network")
# Browsers allow passkeys on plain http only for localhost, which is what DEBUG serves.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Behind a proxy every connection comes from the proxy, so per-visitor limits (allauth's and the
# interest form's, through the account adapter's get_client_ip) read the visitor's address from
# X-Forwarded-For, this many hops from the right: hops further left are the visitor's own words.
# 0 (the default, and runserver) ignores the header; the compose proxy is 1.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# Or a single header a trusted proxy sets to the visitor's address, e.g. X-Real-IP.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None

# Mail: printed to the console locally; any anymail provider when EMAIL_PROVIDER is set, with
# that provider's settings taken from ANYMAIL_* variables (ANYMAIL_MAILGUN_API_KEY and so on).
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Leadership network <network@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_PROVIDER = env_str("EMAIL_PROVIDER")
if EMAIL_PROVIDER:
    # Each anymail provider is a module of anymail.backends: a name that is not one stops start-up
    # here, not at the first message. (Imported here: nothing else in the settings needs them.)
    import importlib.util
    import pkgutil

    if (
        not EMAIL_PROVIDER.isidentifier()
        or EMAIL_PROVIDER.startswith("base")
        or importlib.util.find_spec(f"anymail.backends.{EMAIL_PROVIDER}") is None
    ):
        import anymail.backends

        providers = sorted(
            module.name
            for module in pkgutil.iter_modules(anymail.backends.__path__)
            if not module.name.startswith("base")
        )
        raise ImproperlyConfigured(
            f"EMAIL_PROVIDER must name one of anymail's providers, not {EMAIL_PROVIDER!r}. "
            f"Choose from: {', '.join(providers)}."
        )
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend"
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(BASE_DIR / "sent-mail")
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    BASE_DIR / "build" / "static",
    ("nhsuk/assets", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk" / "assets"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# Uploads (members' photos) go through Django's storage API: to an S3-compatible bucket when one
# is named, so every web process sees the same files, otherwise to MEDIA_ROOT on this machine.
# Photos are personal data: the bucket stays private (no ACL) and the site serves them itself.
# Keys left empty fall back to boto3's own chain (environment, instance role).
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
_uploads: dict[str, Any] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "location": env_str("AWS_LOCATION"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if AWS_STORAGE_BUCKET_NAME
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _uploads,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [SITE_URL]

# Every script carries the request's nonce; nothing inline runs without it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Logs carry ids and events, never personal data or secrets: every handler redacts email
# addresses, the secret part of private links and query strings (network/logs.py). Django's own
# loggers (django.request's "Not Found: <path>" among them) go through the same handler instead
# of Django's defaults; runserver's request lines too.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "network.logs.RedactingFilter"},
        "request_id": {"()": "network.logs.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact", "request_id"],
        },
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}
# A Celery worker would otherwise replace these handlers, and the redaction with them, by its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
