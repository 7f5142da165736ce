"""Settings of the mentoring portal: one module, every deploy-time knob from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "import_export",
    "axes",
    "simple_history",
    "csp",
    # The task queue (Procrastinate): its tables, the `procrastinate` command, each app's tasks.py.
    "procrastinate.contrib.django",
    # The toolbox every app shares: template tags (``{% load portal %}``) and the ``load_demo`` command.
    "mentoring_portal",
    "registry",
    "roadmaps",
    "monitoring",
    "region",
    "notices",
    "jobs",
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
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "notices.middleware.ForcePasswordChangeMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mentoring_portal.urls"
WSGI_APPLICATION = "mentoring_portal.wsgi.application"

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
                "registry.context_processors.roles",
                "notices.context_processors.unread_notices",
            ],
        },
    },
]

# --- Database: one PostgreSQL schema everywhere; the embedded server when DATABASE_URL is unset.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    from mentoring_portal.embedded_db import embedded_database_url

    DATABASE_URL = embedded_database_url(Path(os.environ.get("PGSERVER_DATA", BASE_DIR / "var" / "pgdata")))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("The portal runs on PostgreSQL only: DATABASE_URL must start with postgres://")
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time: Russian for people, dates as 29.03.2022.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["mentoring_portal.formats"]

# --- Static files: the project's own plus Bootstrap from the XStatic package.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
try:
    import xstatic.pkg.bootstrap

    STATICFILES_DIRS.append(("vendor/bootstrap", xstatic.pkg.bootstrap.BASE_DIR))
except ImportError:  # pragma: no cover - the Makefile installs it
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security: strict by default in production, each switch overridable.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    if env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Content-Security-Policy (django-csp): nothing from outside the portal, no inline code.
# Bootstrap draws its check marks and select arrows as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Sign-in throttling (django-axes): failures are counted in the database, per account and
# per address; either reaching the limit locks it for the cool-off time. Successful sign-ins
# and failures are kept in axes' access log and logged under "axes".
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = env_list("AXES_LOCKOUT_PARAMETERS", "username,ip_address")
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
if env_bool("DJANGO_BEHIND_PROXY", False):
    AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1"))
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# --- Audit history (django-simple-history): who changed what and when, per tracked model.
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # The embedded server narrates every pg_ctl call at INFO; its warnings are enough.
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "INFO"},
        # Procrastinate narrates each task it registers at INFO, in every command; its warnings are enough.
        "procrastinate": {"level": "WARNING"},
    },
}


# --- Mail: one URL (EMAIL_URL=smtp://user:pass@host:587/?tls=1) or the usual EMAIL_* variables;
# the console backend in development when nothing is set, so the mail shows in the terminal.
def email_settings(environ, debug: bool) -> dict:
    from urllib.parse import parse_qs, unquote, urlsplit

    url = environ.get("EMAIL_URL", "")
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    if url:
        parts = urlsplit(url)
        if parts.scheme in ("console", "locmem"):
            return {"EMAIL_BACKEND": f"django.core.mail.backends.{parts.scheme}.EmailBackend"}
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        ssl = parts.scheme == "smtps" or query.get("ssl", "") in ("1", "true", "yes")
        return {
            "EMAIL_BACKEND": smtp,
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if ssl else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": query.get("tls", "") in ("1", "true", "yes"),
            "EMAIL_USE_SSL": ssl,
        }
    if environ.get("EMAIL_HOST"):
        return {
            "EMAIL_BACKEND": smtp,
            "EMAIL_HOST": environ["EMAIL_HOST"],
            "EMAIL_PORT": int(environ.get("EMAIL_PORT", "25")),
            "EMAIL_HOST_USER": environ.get("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": environ.get("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": environ.get("EMAIL_USE_TLS", "") in ("1", "true", "yes"),
            "EMAIL_USE_SSL": environ.get("EMAIL_USE_SSL", "") in ("1", "true", "yes"),
        }
    return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend" if debug else smtp}


globals().update(email_settings(os.environ, DEBUG))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Портал наставничества <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's own address, for the links in mail (a worker has no request to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
PORTAL_NAME = os.environ.get("PORTAL_NAME", "Портал наставничества педагогических работников")
# An invitation's link (Django's password-reset token) is valid this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PORTAL_INVITATION_DAYS", "5")) * 24 * 3600

# --- The task queue: Procrastinate on the same PostgreSQL. Periodic tasks are declared in the code
# (`@app.periodic`); these are their schedules, in UTC (Procrastinate reads cron in UTC).
PORTAL_DIGEST_CRON = os.environ.get("PORTAL_DIGEST_CRON", "0 5 * * 1")  # Mondays 08:00 Moscow time
PORTAL_DEADLINE_CRON = os.environ.get("PORTAL_DEADLINE_CRON", "0 4 * * *")  # daily 07:00 Moscow time
PORTAL_DEADLINE_DAYS = [int(day) for day in env_list("PORTAL_DEADLINE_DAYS", "7,1")]
# A worker silent this long (no heartbeat) is dead: its jobs go back to the queue.
PORTAL_STALLED_SECONDS = float(os.environ.get("PORTAL_STALLED_SECONDS", "120"))
# A teachers' file of more rows than this (counted from its structure, before its cells are read) is
# checked and loaded by the worker, queue "imports"; smaller ones in the request (registry/import_jobs.py).
IMPORT_IN_WORKER_ROWS = int(os.environ.get("PORTAL_IMPORT_IN_WORKER_ROWS", "5000"))

# One cache for every app server, in PostgreSQL (its table comes with ``migrate``: region/migrations/0001).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
# How long the regional pages keep an area's figures before computing them again (see region/services.py).
REGION_FIGURES_SECONDS = int(os.environ.get("PORTAL_REGION_FIGURES_SECONDS", "600"))

# Page sizes of the lists; the registry keeps totals for the whole filtered set.
PAGE_SIZE = int(os.environ.get("PORTAL_PAGE_SIZE", "50"))
