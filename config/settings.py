"""Marquee settings: one file, driven by the environment.

The defaults serve a local demo (SQLite under var/, media under var/media, e-mail to the
console). Production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL
and EMAIL_URL. With DEBUG off and no secret key the site refuses to start.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("MARQUEE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
_key_file = VAR_DIR / "secret_key"
if not SECRET_KEY and "DJANGO_SECRET_KEY" not in env.ENVIRON and _key_file.is_file():
    # The local key `make run` creates, so manage.py works on this machine without exports.
    SECRET_KEY = _key_file.read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string (or run "
            "`make run` once, which writes a local key to var/secret_key), "
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications ----------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "core",
    "accounts",
    "films",
    "reviews",
    "seeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.reject_nul_bytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
                "core.cache.content_version_context",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
    }

_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock when a
    # transaction starts, so concurrent writers wait (busy timeout) instead of failing
    # with "database is locked" when they upgrade a read lock.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Keep connections: opening one runs the pragmas above, on every request otherwise.
    _db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
    _db["CONN_HEALTH_CHECKS"] = True
    # A file, not shared-cache memory, so tests with threads see real SQLite locking.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})["pool"] = {
        # Per web process: one connection per gunicorn thread is all it can use at once.
        "min_size": env.int("DATABASE_POOL_MIN", default=1),
        "max_size": env.int("DATABASE_POOL_MAX", default=env.int("GUNICORN_THREADS", default=2)),
        "timeout": 10,
    }
    _db["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime
_db["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ----------------------------------------------------------------

# The cache is shared by every web process: allauth's rate limits count in it, and a
# per-process cache would multiply them.
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "KEY_PREFIX": "marquee",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "marquee_cache",
            # Room for a page per film before culling starts.
            "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 4},
        }
    }
# Rendered fragments (review cards) in each process's memory. Their keys carry the shared
# content version (core.cache), so no process can serve a fragment older than the data.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "marquee-fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Whole pages for visitors without a session (core.cache), invalidated on every change.
ANONYMOUS_PAGE_CACHE = env.bool("MARQUEE_PAGE_CACHE", default=True)

# --- Auth ------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_BLACKLIST = ["admin", "accounts", "staff", "marquee", "moderator"]
ACCOUNT_USERNAME_VALIDATORS = "accounts.validators.username_validators"

# --- E-mail ----------------------------------------------------------------------------

if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Marquee <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static files and media ------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Local file media is served by the app itself; with object storage MEDIA_URL points there.
SERVE_MEDIA = env.bool("MARQUEE_SERVE_MEDIA", default=True)
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

# Uploads: anything larger is refused before it reaches Pillow.
MAX_IMAGE_UPLOAD_BYTES = env.int("MARQUEE_MAX_IMAGE_BYTES", default=5 * 1024 * 1024)
MAX_IMAGE_PIXELS = env.int("MARQUEE_MAX_IMAGE_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Internationalisation --------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Security --------------------------------------------------------------------------

# HTTPS settings are on whenever DEBUG is off; `make run` turns them off only because it
# serves plain HTTP on loopback.
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
# Links in account e-mails (confirmation, password reset) use the scheme the site is served on.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Site ------------------------------------------------------------------------------

REVIEWS_PER_PAGE = 20
FILMS_PER_PAGE = 24
# A film needs this many ratings before it ranks among the top rated.
TOP_RATED_MIN_RATINGS = env.int("MARQUEE_TOP_RATED_MIN_RATINGS", default=3)
MAX_REVIEW_BODY_CHARS = 20_000
MAX_REPLY_BODY_CHARS = 5_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
