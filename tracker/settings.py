"""Settings for the recovery tracker, read from environment variables.

Development needs nothing set: SQLite in the checkout, console e-mail, Redis on localhost.
Production sets at least DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL; with
DJANGO_DEBUG off, a missing secret key or host list stops start-up with a message saying so.
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tracker.env import env_bool, env_http_url, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-never-use-in-production")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
else:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY", "a long random string; it signs sessions and patient links.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or env_required(
        "DJANGO_ALLOWED_HOSTS", "a comma-separated list of the host names this site is served under."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "tracker.api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "simple_history",
    "procedures",
    "notifications",
    "interop",
    "outcomes",
    "ward",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tracker.headers.SecurityHeadersMiddleware",
    "tracker.body_limit.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tracker.sessions.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Failed logins are counted per username (django-axes): after AXES_FAILURE_LIMIT failures the
# account is locked for AXES_COOLOFF_TIME, on the login page and the API token endpoint alike.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Not per IP address as well: a hospital's nurses often share one outgoing address, and one
# mistyping nurse would lock out the whole ward. The DRF throttle limits each address instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tracker.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "tracker.login.axes_client_address"

# The client's address is the connection's; X-Forwarded-For is believed only from these proxies
# (comma-separated addresses of the hospital's reverse proxies), since any client can send it.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# Shared by every process (web workers on any host): the login throttle's counts. In the database,
# which the app cannot run without anyway, so that logging in does not depend on Redis; its table
# is made by a migration (procedures 0010).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tracker_cache"},
}

# Log-in attempts (the page, the admin's page and the token endpoint together) per client address.
LOGIN_THROTTLE_RATE = env_str("LOGIN_THROTTLE_RATE", "10/minute")

# The largest request body accepted (Django's setting; bigger ones get 413, tracker.body_limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY_BYTES", 2_621_440)

# An API token is good for this long after the log-in that issued it (procedures.models.tokens).
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 12)

# A session ends after this long without a request (a shift); see tracker.sessions.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 12 * 60) * 60

ROOT_URLCONF = "tracker.urls"

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

WSGI_APPLICATION = "tracker.wsgi.application"

# SQLite by default so the app runs with nothing installed; DATABASE_URL selects PostgreSQL.
# The SQLite timeout and IMMEDIATE transactions let the web server, worker and beat share the
# file without "database is locked" errors.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

AUTH_USER_MODEL = "procedures.Staff"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Stored in UTC; each ward's own IANA zone is used for display and messages.
USE_TZ = True
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")

# Region used to read phone numbers written without a country code.
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "FR")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Where patients reach the site from outside, for the links in their messages.
PUBLIC_BASE_URL = (
    env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    if DEBUG
    else env_required("PUBLIC_BASE_URL", "the https://… address patients reach this site at (their links).")
)
if not PUBLIC_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"PUBLIC_BASE_URL must start with https:// (or http://), not {PUBLIC_BASE_URL!r}.")
PATIENT_LINK_MAX_AGE = dt.timedelta(days=env_int("PATIENT_LINK_DAYS", 30))

# FHIR: the identifier systems of the hospital record (set them to the hospital's own URIs), and
# the base of this tracker's local code systems and extensions. That base is an http(s) URL: each
# extension's definition (a StructureDefinition) is served at its URL under it.
FHIR_MRN_SYSTEM = env_str("FHIR_MRN_SYSTEM", "urn:recovery-tracker:mrn")
FHIR_PROCEDURE_ID_SYSTEM = env_str("FHIR_PROCEDURE_ID_SYSTEM", "urn:recovery-tracker:procedure-id")
FHIR_LOCAL_SYSTEM_BASE = env_http_url("FHIR_LOCAL_SYSTEM_BASE", f"{PUBLIC_BASE_URL.rstrip('/')}/fhir").rstrip("/")
# SNOMED CT has procedure codes for both kinds, but none was verified for this project (see
# shared/clinical/PROTOCOL.md): a hospital that orders by SNOMED CT lists its codes here.
FHIR_SNOMED_PROCEDURE_CODES = {
    "vertebroplasty": env_list("FHIR_SNOMED_VERTEBROPLASTY_CODES"),
    "kyphoplasty": env_list("FHIR_SNOMED_KYPHOPLASTY_CODES"),
}

# How long a POST's reply is kept for a retry with the same Idempotency-Key (procedures.tasks purges).
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)

# The protocol a new procedure follows unless told otherwise (its newest published version).
DEFAULT_PROTOCOL_CODE = env_str("DEFAULT_PROTOCOL_CODE", "vertebral-augmentation")

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "recovery-tracker@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.lookups.Pagination",
    # JSON only: no form or multipart parser (no endpoint takes a file), so no upload is ever spooled.
    "DEFAULT_PARSER_CLASSES": ["tracker.api.parsers.SafeJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": LOGIN_THROTTLE_RATE},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Vertebroplasty recovery tracker API",
    "DESCRIPTION": "Procedures, timelines, reminders and exports for vertebral augmentation recovery.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Served from this site, not a CDN: hospital networks often have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProcedureKindEnum": "procedures.models.procedures.Procedure.Kind",
        "EventKindEnum": "procedures.models.protocols.EventKind",
        "ComplicationKindEnum": "procedures.models.observations.Complication.Kind",
        "ReminderKindEnum": "notifications.models.Reminder.Kind",
        "ProcedureStatusEnum": "procedures.models.procedures.Procedure.Status",
        "ReminderStatusEnum": "notifications.models.Reminder.Status",
        "NeuroEnum": "procedures.models.observations.ObservationCheck.Neuro",
    },
}

# Celery: Redis carries "deliver reminder N now"; the database holds the schedule.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

# The ward boards' rows, written out, are kept this many seconds in Redis and shared by every
# nurse of the ward (ward/board_cache.py); any write that changes them starts afresh. 0: off.
BOARD_CACHE_SECONDS = env_int("BOARD_CACHE_SECONDS", 3)
CACHES["board"] = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    # The broker's Redis by default: the keys carry their own prefix and last seconds.
    "LOCATION": env_str("BOARD_CACHE_URL", CELERY_BROKER_URL),
    "KEY_PREFIX": "tracker",
    # A board never waits long for a cache it can do without.
    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.5},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep a worker's database connection from one task to the next (Celery closes it after each task
# otherwise); tracker.celery closes one that broke or outlived CONN_MAX_AGE before each task.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# Survive a Redis restart or outage without help (tracker/broker.py says what it fixes): retry the
# connection for ever, every second at most, and notice a dead connection within seconds.
CELERY_BROKER_TRANSPORT = "tracker.broker:Transport"
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A task running when the connection drops keeps running: its reminders are settled in the database,
# not through the broker, and cancelling it could cut a send in half.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A worker delivering a reminder holds it this long; if it dies, the reminder is claimed again after
# it. Longer than the slowest single delivery (e-mail and SMS calls time out after 10 s), so that a
# live worker is never overtaken; a crashed worker's reminders are late by at most this plus one
# dispatch interval.
REMINDER_LEASE = dt.timedelta(seconds=env_int("REMINDER_LEASE_SECONDS", 30))

# How often beat starts a dispatch task; each claims due reminders every 0.1 s for this long
# (notifications.tasks.dispatch), so that a reminder waits at most ~0.1 s for its claim.
DISPATCH_INTERVAL_SECONDS = env_int("DISPATCH_INTERVAL_SECONDS", 1)
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-reminders": {
        "task": "notifications.dispatch",
        "schedule": DISPATCH_INTERVAL_SECONDS,
        # A dispatch queued behind deliveries for longer than an interval is dropped: a newer one
        # is on its way, and running both would only hold two worker processes.
        "options": {"expires": DISPATCH_INTERVAL_SECONDS},
    },
    "purge-idempotency-keys": {"task": "procedures.purge_idempotency_keys", "schedule": 3600},
    "purge-closed-drafts": {"task": "procedures.purge_closed_drafts", "schedule": 3600},
    "escalate-unacknowledged": {
        "task": "notifications.escalate",
        "schedule": env_int("ESCALATION_INTERVAL_SECONDS", 15),
    },
}
# /healthz (notifications/health.py) answers 503 when a reminder has waited this long past its first
# due time, when the dispatch loop has not claimed for this long, or when a reminder was claimed this
# many times without settling.
HEALTH_LATE_SECONDS = env_int("HEALTH_LATE_SECONDS", 60)
HEALTH_DISPATCH_STALE_SECONDS = env_int("HEALTH_DISPATCH_STALE_SECONDS", 5)
HEALTH_MAX_CLAIMS = env_int("HEALTH_MAX_CLAIMS", 3)

# Dispatch (and escalation, which hands its reminders to dispatch) runs on its own queue, served by
# its own worker process (`celery worker -Q dispatch --concurrency=1`, see Procfile): it never takes
# a delivery process, and delivery tasks never wait behind it.
DISPATCH_QUEUE = "dispatch"
CELERY_TASK_ROUTES = {
    "notifications.dispatch": {"queue": DISPATCH_QUEUE},
    "notifications.escalate": {"queue": DISPATCH_QUEUE},
}
# A task still unacknowledged this long after a worker took it goes back to the queue. The outbox's
# own lease (notifications.dispatch.LEASE) recovers reminders much sooner than this.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # A Redis that stops answering (a half-open socket) is found out in seconds, not at the kernel's
    # TCP timeout. A publish retries for about two seconds, then fails (see notifications.tasks.hand_out).
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
    "socket_keepalive": True,
    "health_check_interval": 5,
    "retry_on_timeout": True,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

# Minutes within which a red-flag alert must be acknowledged before it escalates, per kind of flag
# (procedures.red_flags.RedFlagKind). Neurological and chest signs are the most urgent.
RED_FLAG_ACKNOWLEDGE_MINUTES = {
    "default": 5,
    "neuro_deficit": 3,
    "chest_symptoms": 3,
    "cement_leakage": 3,
    "pain_not_improving": 24 * 60,
}

# SMS through Twilio, once TWILIO_ACCOUNT_SID is set (or SMS_TRANSPORT names another). Messages are
# sent from TWILIO_FROM_NUMBER, or through a messaging service when its SID is given. Patients'
# replies arrive at /sms/inbound/: set TWILIO_INBOUND_URL to that URL exactly as configured at
# Twilio, since the signature covers it (behind a proxy the URL Django sees may differ).
# TWILIO_API_BASE points the SDK at another server speaking the same API (the tests' local one).
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_INBOUND_URL = env_str("TWILIO_INBOUND_URL")
TWILIO_API_BASE = env_str("TWILIO_API_BASE")
# Optional: Twilio posts each message's status there, with `?reminder=<key>` added (a stable reference).
TWILIO_STATUS_CALLBACK_URL = env_str("TWILIO_STATUS_CALLBACK_URL")
# SMS_TIMEOUT_SECONDS, WEBHOOK_TIMEOUT_SECONDS and EMAIL_TIMEOUT are each a channel's total deadline
# for one send (connect, write, read: notifications.channels.deadline); each plus a 3 s margin must
# be shorter than the lease (REMINDER_LEASE_SECONDS), which start-up checks.
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10)

# Webhook channel: with a URL, every staff reminder and alert is also POSTed there as JSON,
# signed with WEBHOOK_SECRET (docs/api.md, "Webhooks").
WEBHOOK_URL = env_str("WEBHOOK_URL")
WEBHOOK_SECRET = env_str("WEBHOOK_SECRET")
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)

# Which transport delivers each channel: SMS and webhook print to the console until configured.
NOTIFICATION_TRANSPORTS = {
    "inapp": "notifications.channels.inapp.InAppTransport",
    "email": "notifications.channels.email.EmailTransport",
    "sms": env_str(
        "SMS_TRANSPORT",
        "notifications.channels.sms.TwilioSmsTransport"
        if TWILIO_ACCOUNT_SID
        else "notifications.channels.console.ConsoleTransport",
    ),
    "webhook": env_str(
        "WEBHOOK_TRANSPORT",
        "notifications.channels.webhook.WebhookTransport"
        if WEBHOOK_URL
        else "notifications.channels.console.ConsoleTransport",
    ),
    "console": "notifications.channels.console.ConsoleTransport",
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Patient-link tokens are cut in every line logged ("Not Found: /p/<token>/", the server's access lines).
    "filters": {"mask_patient_links": {"()": "notifications.link_masking.MaskLinkTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_patient_links"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
