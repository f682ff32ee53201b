"""Settings shared by every mode.

Everything a deployment may change comes from the environment (django-environ). The defaults give the
embedded setup that `make run` needs on a bare machine: a SQLite file, background jobs on kombu's
filesystem transport, e-mail printed to the console.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime state of the embedded setup (database, job queue); never committed

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    # Our apps, in layer order (lowest first): seed_demo and load_defaults run their hooks in this order.
    "core",
    "accounts",
    "sites",
    "standards",
    "archives",
    "supervision",
    "evaluations",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a lockout raised during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/
    # WAL and immediate transactions let the dev server and the background worker write side by side.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own psycopg pool; CONN_MAX_AGE must stay 0 with it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes: lock a username from one address after repeated failures, for a cool-off period.
# Locking by the pair (not the username alone) stops a stranger from locking a real user out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"  # the login page again, with the reason
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
# Behind nginx REMOTE_ADDR is nginx itself; nginx sets X-Real-IP (see README), which is trusted only when
# this says so, because a client could send that header itself.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")  # e.g. HTTP_X_REAL_IP in production

# --- Internationalization -------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hans")
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lang"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))  # collectstatic; never committed
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are private: they are never served directly, only through views that check permissions
# (see core.files). MEDIA_URL is deliberately not routed by nginx.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# S3-compatible object storage (MinIO, OSS, COS…) instead of MEDIA_ROOT, for deployments that outgrow one
# machine: install django-storages[s3] and set S3_BUCKET (see README). Files stay private either way.
if env("S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "access_key": env("S3_ACCESS_KEY", default=None),
            "secret_key": env("S3_SECRET_KEY", default=None),
            "region_name": env("S3_REGION", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# In production the view answers with X-Accel-Redirect to this internal nginx location (see README).
PRIVATE_MEDIA_ACCEL_PREFIX = env("PRIVATE_MEDIA_ACCEL_PREFIX", default="")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024


# --- E-mail ---------------------------------------------------------------------------------------
# EMAIL_URL (smtp://user:password@host:587, smtp+tls://…, smtp+ssl://…, consolemail://) becomes Django 6.1's
# MAILERS; the older EMAIL_* settings are deprecated.
def _mailer_from_url(url: str, timeout: int = 10) -> dict:
    parsed = environ.Env.email_url_config(url)
    mailer = {"BACKEND": parsed["EMAIL_BACKEND"]}
    if parsed["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
        mailer["OPTIONS"] = {
            "host": parsed.get("EMAIL_HOST") or "localhost",
            "port": parsed.get("EMAIL_PORT") or None,
            "username": parsed.get("EMAIL_HOST_USER") or "",
            "password": parsed.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(parsed.get("EMAIL_USE_TLS")),
            "use_ssl": bool(parsed.get("EMAIL_USE_SSL")),
            "timeout": timeout,
        }
    return mailer


MAILERS = {"default": _mailer_from_url(env("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="示范点创建管理系统 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the system is reached from outside: e-mails link to pages as SITE_URL + path.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")

# --- Security headers (every mode; prod adds the HTTPS-only ones) ---------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12  # a working day; staff log in again the next morning
CSRF_COOKIE_SAMESITE = "Lax"
# No inline scripts or styles anywhere: scripts are files under static/, any unavoidable inline block
# carries the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Forms ----------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {40: "danger"}  # Bootstrap calls the error colour "danger"

# --- Background jobs (Celery) ---------------------------------------------------------------------
# With REDIS_URL: Redis is the broker. Without: kombu's filesystem transport, which needs no server, so
# `make run` still runs real jobs on a bare machine (a worker with embedded beat reads the same folders).
REDIS_URL = env("REDIS_URL", default="")
JOB_QUEUE_DIR = Path(env("JOB_QUEUE_DIR", default=str(VAR_DIR / "jobs")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport expects its folders to exist. Every one of them is named here, "control"
    # (exchange bindings, the workers' broadcast/pidbox) included: its default is ./control in the current
    # directory, which would put runtime state in the project root.
    for _folder in ("queue", "processed", "control"):
        (JOB_QUEUE_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(JOB_QUEUE_DIR / "queue"),
        "data_folder_out": str(JOB_QUEUE_DIR / "queue"),
        "processed_folder": str(JOB_QUEUE_DIR / "processed"),
        "control_folder": str(JOB_QUEUE_DIR / "control"),
        "store_processed": False,
    }
# Results live in our own tables (a job writes its effect to the database), so no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic jobs. django-celery-beat does not support Django 6.1, so the schedule is plain beat_schedule;
# run exactly one `celery beat` per deployment.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.record_heartbeat", "schedule": 60.0, "kwargs": {"source": "beat"}},
    "clear-expired-sessions": {"task": "core.tasks.clear_expired_sessions", "schedule": crontab(hour=3, minute=0)},
    "purge-archive-trash": {"task": "archives.tasks.purge_trash", "schedule": crontab(hour=3, minute=30)},
    "process-pending-images": {"task": "archives.tasks.process_pending_images", "schedule": 600.0},
    "expire-ledgers": {"task": "archives.tasks.expire_ledgers", "schedule": crontab(hour=4, minute=0)},
    "purge-import-previews": {"task": "core.tasks.purge_import_previews", "schedule": crontab(minute=20)},
    "purge-expired-exports": {"task": "core.tasks.purge_expired_exports", "schedule": crontab(minute=40)},
    # The reminder ladder: whatever is due goes out, exactly once (supervision.reminders).
    "send-reminders": {"task": "supervision.tasks.send_reminders", "schedule": 300.0},
    # E-mail copies of notifications that were never queued (broker down) or whose job was lost (core.mail).
    "send-pending-emails": {"task": "core.tasks.send_pending_emails", "schedule": 300.0},
    # Automatic deduction and bonus lines of rounds in scoring from supervision records (evaluations.supervision_lines).
    "sync-supervision-lines": {
        "task": "evaluations.tasks.sync_supervision_lines",
        "schedule": crontab(hour=2, minute=30),
    },
}

# --- Background exports (core.models.ExportJob) ------------------------------------------------------------
# A site list longer than this is built by a background job with a progress bar instead of during the request.
SITE_EXPORT_SYNC_LIMIT = env.int("SITE_EXPORT_SYNC_LIMIT", default=5000)
# How long a finished export's file stays downloadable before the hourly purge removes it.
EXPORT_JOB_TTL_HOURS = env.int("EXPORT_JOB_TTL_HOURS", default=24)

# --- Stored round results (evaluations.result_store) --------------------------------------------------------
# A scored round with at least this many sites has its stored results recomputed by a background job right after
# an input changes, so that the next page view does not wait for it (about 11 s at 100,000 sites); smaller rounds
# are recomputed by the next page view, in a fraction of a second.
RESULTS_REFRESH_FROM = env.int("RESULTS_REFRESH_FROM", default=2000)

# --- Archives -------------------------------------------------------------------------------------
# Per-type upload limits in MB (defaults in archives/validation.py), e.g. ARCHIVE_MAX_MB=mp4=800,pdf=80
ARCHIVE_MAX_MB = {key: int(value) for key, value in env.dict("ARCHIVE_MAX_MB", default={}).items()}
# Deleted materials stay in the site's trash this long before the purge job removes their files.
ARCHIVE_TRASH_RETENTION_DAYS = env.int("ARCHIVE_TRASH_RETENTION_DAYS", default=90)

# --- Product --------------------------------------------------------------------------------------
SITE_TITLE = _("示范点创建管理系统")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="Demo@2026")
# Who issues the plaque certificates (授牌证书), printed over the seal: the city's organization department.
CERTIFICATE_ISSUER = env("CERTIFICATE_ISSUER", default="中共××市委组织部")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A 403 is one warning line (method, path, user, status), not a traceback: see core.logs.
    "filters": {"forbidden_without_traceback": {"()": "core.logs.ForbiddenWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["forbidden_without_traceback"]},
        # fontTools reports every table it subsets (fpdf2 subsets the font of each PDF) at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
