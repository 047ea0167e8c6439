"""
Settings for the Peacekeeping Casebook, read from the environment.

Every value an operator may change is an environment variable with a safe default for a
developer's machine; production (DJANGO_DEBUG unset or false) refuses to start without a real
secret key. See README.md, "Configuration".
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    """Read a true/false variable; refuse anything else rather than guess."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Set by the WSGI and ASGI entry points: the processes that serve.
SERVING = os.environ.get("DJANGO_SERVING") == "1"
# Set for commands that must run without configuration and sign nothing that outlives them
# (`make check`): a random key for this process only. `check --deploy` refuses it.
THROWAWAY_SECRET_KEY = env_bool("DJANGO_THROWAWAY_SECRET_KEY", False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = _DEV_SECRET_KEY
    elif SERVING:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (use a long random string).")
    elif THROWAWAY_SECRET_KEY:
        SECRET_KEY = secrets.token_urlsafe(50)
    # Otherwise it stays empty, and the system checks stop every command with an error
    # (cases/checks.py).
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50 characters or more.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The address readers should cite: used in "Cite this page", feeds and the sitemap.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Where readers send corrections; the editorial policy page shows it when it is set.
CORRECTIONS_EMAIL = os.environ.get("CASEBOOK_CORRECTIONS_EMAIL", "").strip()
if CORRECTIONS_EMAIL:
    try:
        validate_email(CORRECTIONS_EMAIL)
    except ValidationError:
        raise ImproperlyConfigured(
            f"CASEBOOK_CORRECTIONS_EMAIL must be an email address, not {CORRECTIONS_EMAIL!r}."
        ) from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "reversion",
    "axes",
    "csp",
    "cases.apps.CasesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cases.middleware.StripNullCharactersMiddleware",
    # Cached pages for readers without a session, before the session and authentication work.
    "cases.cache.CachedPageShortcutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # In front of the page cache, so that a cached page answers If-None-Match with a 304.
    "django.middleware.http.ConditionalGetMiddleware",
    "cases.cache.PublicPageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must come last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peacekeeping.urls"
WSGI_APPLICATION = "peacekeeping.wsgi.application"

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
                "cases.context_processors.site",
            ],
        },
    },
]

# SQLite by default, tuned so that readers never wait on an editor's save: WAL lets reads run
# during a write, IMMEDIATE transactions take the write lock up front (no deadlock on upgrade),
# and the timeout makes a second writer wait instead of failing.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections last (CONN_MAX_AGE above) so that each keeps its page cache from one request
    # to the next; 8 MiB of it holds the indexes most pages read (the default is 2 MiB). More
    # is memory in every worker for little gain: the operating system caches the file for all.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings the casebook's queries need, sent with every connection, so that a server
    # as installed (and one shared with other applications) needs no change. random_page_cost
    # 1.1, the usual value for a database on SSD or in memory: with the default of 4 the planner
    # reads whole link tables where an index would do. No JIT: compiling a plan takes tens of
    # milliseconds, more than any of these queries runs. Options in DATABASE_URL come after, and win.
    planner = "-c random_page_cost=1.1 -c jit=off"
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{planner} {options.get('options', '')}".strip()

CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or ""
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "casebook"),
        }
    }
else:
    # Each worker's own memory. The cache counts entries, not bytes, and a list page is up to
    # 150 KB: the 50 most recent pages keep it to about 8 MB a worker (Django's default of 300
    # let a worker pass 150 MB under readers asking for many addresses). Redis for more.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 50)},
        }
    }
CACHE_SECONDS = env_int("CACHE_SECONDS", 600)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: after AXES_FAILURE_LIMIT failures, logins are refused for AXES_COOLOFF_TIME
# hours. By default a username is locked from the address that failed (username+ip_address), so
# one address cannot lock out every editor; `username,ip_address` locks each alone (README).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)


def axes_lockout_parameters(value):
    """`username+ip_address` (together) or `username,ip_address` (each alone), as django-axes takes them."""
    parameters = []
    for group in value.split(","):
        names = [name.strip() for name in group.split("+")]
        if not set(names) <= {"username", "ip_address", "user_agent"}:
            raise ImproperlyConfigured(
                f"AXES_LOCKOUT_PARAMETERS takes username, ip_address and user_agent, "
                f"joined by + (together) or , (each alone), not {value!r}."
            )
        parameters.append(names if len(names) > 1 else names[0])
    return parameters


AXES_LOCKOUT_PARAMETERS = axes_lockout_parameters(os.environ.get("AXES_LOCKOUT_PARAMETERS") or "username+ip_address")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_IPWARE_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0) or None

# A sign-in with no safe `next` address lands on the admin home (not Django's /accounts/profile/).
LOGIN_REDIRECT_URL = "admin:index"

LANGUAGE_CODE = "en-gb"
# Dates shown as "9 Jul 2011" and typed as "8 July 2011" or 2011-07-08, never "09/07/2011".
FORMAT_MODULE_PATH = ["peacekeeping.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# A developer's server finds static files where they are written, without collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names need `collectstatic`; a developer's server and the tests
        # serve the files as they are.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security. Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=true.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
# Opt-in: they bind every host under the domain, and preloading is hard to undo.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# `check --deploy` warns when they are off; that is the documented default, not an oversight.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, opted_in in [("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS), ("security.W021", SECURE_HSTS_PRELOAD)]
    if not opted_in
]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy: no inline script, no third-party origin.
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
    },
}


# The read-only JSON API under /api/v1/ (cases/api/). Everyone is an anonymous reader there: it
# shows published records only, so it needs no sign-in, and every client is throttled by address
# (DRF keeps the counts in the default cache, Redis when CACHE_URL or REDIS_URL is set, so all
# app servers share them; with the local-memory cache each process counts on its own).
def env_rate(name, default):
    """A request rate as DRF reads it: a number of requests per second, minute, hour or day."""
    value = os.environ.get(name, "").strip() or default
    number, _, period = value.partition("/")
    if not number.isdigit() or int(number) < 1 or period not in {"second", "minute", "hour", "day"}:
        raise ImproperlyConfigured(f"{name} must look like 120/minute (per second, minute, hour or day), not {value!r}")
    return value


API_RATE = env_rate("API_RATE", "120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["cases.api.throttling.AnonymousReaderThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_RATE},
    "NUM_PROXIES": env_int("DJANGO_PROXY_COUNT", 0) or None,
    "DEFAULT_PAGINATION_CLASS": "cases.api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "cases.api.errors.api_exception_handler",
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Peacekeeping Casebook API",
    "DESCRIPTION": (
        "Read-only JSON access to the published casebook: case studies, organisations, challenges, "
        "host countries and sources. Filters of `/case-studies/` have the names and meanings of the "
        "site's `/cases/` list. Anonymous clients are throttled; a throttled request gets a 429 that "
        "says when to retry."
    ),
    "VERSION": "1",
    "LICENSE": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "cases.models.DatePrecision"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cases.api.schema.document_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
