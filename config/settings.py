"""Marquee settings: one file, driven by the environment.

The defaults serve a local demo (SQLite under var/, media under var/media, e-mail to the
console). Production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL
and EMAIL_URL. With DEBUG off and no secret key the site refuses to start.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
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
    "allauth.mfa",
    "csp",
    "core",
    "accounts",
    "films",
    "reviews",
    "seeds",
]

MIDDLEWARE = [
    # First, so its 503 for an unreachable database gets every header on the way out.
    "core.faults.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "core.middleware.reject_nul_bytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or the CSRF check reads the body: an oversized one gets the 413 page.
    "core.limits.limit_request_size",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMfaRequired",
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
    # transaction starts, so concurrent writers wait instead of failing with "database is
    # locked" when they upgrade a read lock. Django's backend, with writers that queue for
    # that lock instead of polling for it (core/sqlite/base.py); `timeout` bounds the wait.
    _db["ENGINE"] = "core.sqlite"
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
        # How long a request waits for a connection before it gets a 503 (core.faults).
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10),
        # While the server is away the pool retries with growing pauses; giving up after
        # this long and starting over on the next request caps the pause, so the site is
        # back within seconds of the database, not minutes.
        "reconnect_timeout": env.float("DATABASE_POOL_RECONNECT_TIMEOUT", default=10),
    }
    # A server that doesn't answer fails the attempt instead of holding a pool worker.
    _db["OPTIONS"].setdefault("connect_timeout", 5)
    _db["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime
    # The pool tests an idle connection before handing it out, so after an outage no
    # request gets one that died meanwhile.
    _db["CONN_HEALTH_CHECKS"] = True
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
# The content version (core.cache), written on every change, and, with Redis, the write
# rate-limit counts (core.ratelimit). With the database cache it gets a table of its own, so
# each write doesn't count the pages in the big one to decide on culling.
CACHES["counters"] = (
    {**CACHES["default"]}
    if env.str("REDIS_URL", default="")
    else {
        "BACKEND": "core.counter_cache.CounterCache",
        "LOCATION": "marquee_counters",
    }
)
# Rendered fragments (review cards) in each process's memory. Their keys carry the shared
# content version (core.cache), so no process can serve a fragment older than the data.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "marquee-fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
# Whole pages this process served (core.cache), in front of the shared cache: their keys
# carry the content version too, so a copy here is never older than the data. A hit then
# costs one read of the version instead of a read of the whole page as well.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "marquee-pages",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 300},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Whole pages for visitors without a session (core.cache), invalidated on every change.
ANONYMOUS_PAGE_CACHE = env.bool("MARQUEE_PAGE_CACHE", default=True)
# On PostgreSQL with the counters in the database, each process keeps a copy of the versions
# that LISTEN/NOTIFY keeps current (core.version_watch): a cached page then costs no round
# trip to the database. Off, every cached page reads the version from the table.
MARQUEE_COUNTER_WATCH = env.bool("MARQUEE_COUNTER_WATCH", default=True)

# --- Auth ------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# OWASP ASVS 4.0 level 1 (V2.1): at least 12 characters, up to 128 (long passphrases are
# welcome; only absurd lengths are refused), not a common password, not close to the
# username or e-mail. No composition rules: no required digits, symbols or letter cases.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {
        "NAME": "accounts.validators.MaximumLengthValidator",
        "OPTIONS": {"max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Nothing on the account pages tells whether an e-mail address has an account: a failed
# login says the same for an unknown user and a wrong password, and a password reset for an
# unknown address answers like one for a known address (that address gets an e-mail saying
# it has no account). At sign-up, a taken address can only be kept secret when verification
# is mandatory: the form then says "check your inbox" either way and the owner is told by
# e-mail. So a site that sends real e-mail (EMAIL_URL) makes verification mandatory; the
# local demo, whose e-mails only reach the console, keeps it optional so people can sign up,
# and there a taken address is a form error. Usernames are public handles, so a taken one
# is always a form error.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION",
    default="mandatory" if env.str("EMAIL_URL", default="") else "optional",
)
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_BLACKLIST = ["admin", "accounts", "staff", "marquee", "moderator"]
ACCOUNT_USERNAME_VALIDATORS = "accounts.validators.username_validators"
# Sign-up, login, password reset and e-mail confirmation keep allauth's default rate limits
# (ACCOUNT_RATE_LIMITS): 5 failed logins per account per 5 minutes, 30 logins and 20
# sign-ups per minute per address, ... They count in the default cache, shared by every
# web process. Behind a reverse proxy, set MARQUEE_TRUSTED_PROXY_COUNT to the number of
# proxies, so the client's address is read from X-Forwarded-For and not the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("MARQUEE_TRUSTED_PROXY_COUNT", default=0)

# Two-factor authentication: an authenticator app (TOTP) with one-time recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Marquee"
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
# Staff must turn it on before they can use the admin (accounts.middleware).
MARQUEE_STAFF_MFA_REQUIRED = env.bool("MARQUEE_STAFF_MFA_REQUIRED", default=True)

# Writes per member per hour (core.ratelimit); one address may make IP_FACTOR times as
# many, since several members can share one (a household, an office, a campus).
RATE_LIMITS = {
    "review": env.int("MARQUEE_RATE_LIMIT_REVIEWS", default=30),
    "reply": env.int("MARQUEE_RATE_LIMIT_REPLIES", default=60),
    "like": env.int("MARQUEE_RATE_LIMIT_LIKES", default=300),
    "report": env.int("MARQUEE_RATE_LIMIT_REPORTS", default=20),
}
RATE_LIMIT_IP_FACTOR = env.int("MARQUEE_RATE_LIMIT_IP_FACTOR", default=5)

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
# Pixels actually decoded (4 bytes each in memory). A JPEG is decoded at 1/2, 1/4 or 1/8
# scale when it is bigger than what is kept; PNG, WebP and GIF can't be, so above this
# they are refused: a few KB of flat PNG can otherwise ask for hundreds of MB.
MAX_IMAGE_DECODE_PIXELS = env.int("MARQUEE_MAX_IMAGE_DECODE_PIXELS", default=16_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A request body above this is answered 413 (core.limits) before any of it is read: room
# for the largest upload (a 10 MB Letterboxd export) and its form around it.
MAX_REQUEST_BODY_BYTES = env.int("MARQUEE_MAX_REQUEST_BYTES", default=12 * 1024 * 1024)

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
if HTTPS:
    # The __Host- prefix makes browsers refuse these cookies unless they are Secure, for
    # path "/" and without a Domain: a sibling subdomain can't plant or overwrite them.
    # (Plain-HTTP `make run` can't use it: browsers drop such cookies without HTTPS.)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from this
# origin only, and no inline script or style anywhere (JSON-LD is data, not script).
# Images may also be data: URIs (the two-factor QR code) and, when media lives on object
# storage, come from that origin. Django's admin needs no exception: it has no inline
# script or style either (tests/test_security_headers.py checks both).
_csp_img = [SELF, "data:"]
if MEDIA_URL.startswith(("https://", "http://", "//")):
    _media = urlsplit(MEDIA_URL)
    _csp_img.append(f"{_media.scheme + ':' if _media.scheme else ''}//{_media.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": _csp_img,
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features the site never uses, switched off for it and anything it
# could ever embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "browsing-topics",
    )
}

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
