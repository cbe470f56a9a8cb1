"""The one settings module. Everything that differs between machines comes from the environment
(see the configuration table in README.md); production mode refuses to start when it is unsafe."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from between.environment import env_bool, env_int, env_list, env_secret, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("BETWEEN_VAR_DIR", str(PACKAGE_DIR.parent / "var")))

MODE = env_str("BETWEEN_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured(f"BETWEEN_MODE must be development or production, not {MODE!r}")
PRODUCTION = MODE == "production"

_DEV_SECRET = "development-only-secret-key-never-use-in-production-" + "x" * 20


def _required(name: str, value: str) -> str:
    if PRODUCTION and not value:
        raise ImproperlyConfigured(f"{name} must be set when BETWEEN_MODE=production")
    return value


SECRET_KEY = _required("BETWEEN_SECRET_KEY", env_secret("BETWEEN_SECRET_KEY")) or _DEV_SECRET
if PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("BETWEEN_SECRET_KEY must be at least 50 varied characters")

DEBUG = env_bool("BETWEEN_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("BETWEEN_DEBUG must be false when BETWEEN_MODE=production")

ALLOWED_HOSTS = env_list(
    "BETWEEN_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("BETWEEN_ALLOWED_HOSTS must be set when BETWEEN_MODE=production")
CSRF_TRUSTED_ORIGINS = env_list("BETWEEN_CSRF_TRUSTED_ORIGINS")

# How many reverse proxies sit in front of the app; the client address is read from
# X-Forwarded-For only when this is above zero (otherwise the header could be forged).
PROXY_COUNT = env_int("BETWEEN_PROXY_COUNT", 0, minimum=0)

INSTALLED_APPS = [
    "between.accounts",
    "between.clinic",
    "between.homework",
    "between.portal",
    "between.notify",
    "between.indicators",
    "between.audits",
    "between.improvement",
    "between.training",
    "between.outcomes",
    "ninja",
    "between.interop.imports",
    "between.interop.api",
    "between.interop.fhir",
    "between.interop.export",
    "between.emergency",
    "between.amendments",
    "between.trail",
    "between.ops",
    "between.synth",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before SessionLifetimeMiddleware: it adds a "you were signed out" message on expiry.
    "django.contrib.messages.middleware.MessageMiddleware",
    "between.accounts.middleware.SessionLifetimeMiddleware",
    "between.accounts.middleware.TwoStepMiddleware",
    "between.accounts.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "between.urls"
WSGI_APPLICATION = "between.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "between.accounts.context_processors.roles",
                "between.emergency.context_processors.emergency_access",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_secret("DATABASE_URL")
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set when BETWEEN_MODE=production")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'between.sqlite3'}",
        conn_max_age=env_int("BETWEEN_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The default DEFERRED mode loses writes to "database is locked" under concurrency:
    # take the write lock at BEGIN, wait for it, and let readers run beside a writer (WAL).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sessions ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # Django's bundled list of 20,000 passwords seen in breaches, also matched after undoing
    # the usual disguises (case, l33t, digits or symbols added at the end).
    {"NAME": "between.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Idle time-out (checked by SessionLifetimeMiddleware on every request) and absolute lifetime.
STAFF_IDLE_MINUTES = env_int("BETWEEN_STAFF_IDLE_MINUTES", 15, minimum=1)
FAMILY_IDLE_MINUTES = env_int("BETWEEN_FAMILY_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = env_int("BETWEEN_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "between_session"
CSRF_COOKIE_HTTPONLY = True

# Two-step sign-in (TOTP, django-otp) for every staff role: required in production. Anyone who
# has set it up is always asked for a code, in any mode.
MFA_REQUIRED = env_bool("BETWEEN_MFA_REQUIRED", PRODUCTION)
if PRODUCTION and not MFA_REQUIRED:
    raise ImproperlyConfigured("BETWEEN_MFA_REQUIRED cannot be turned off in production")
MFA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env_str("BETWEEN_MFA_ISSUER", "Between Sessions")

# Sign-in throttling (django-axes): lock a username from one address after this many failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("BETWEEN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("BETWEEN_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "between.accounts.views.locked_out"
AXES_VERBOSE = False  # its log lines carry usernames and addresses; our audit trail has ids
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are audit events already
AXES_SENSITIVE_PARAMETERS = ["password", "username"]
# Attempts are kept under a keyed digest of the username, never the typed text.
AXES_USERNAME_CALLABLE = "between.accounts.throttle.username_key"
# Behind N proxies the client is the Nth address from the right of X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if PROXY_COUNT else ["REMOTE_ADDR"]
)

# Break the glass: how long an emergency grant to one client lasts.
EMERGENCY_ACCESS_HOURS = env_int("BETWEEN_EMERGENCY_ACCESS_HOURS", 4, minimum=1)

# The audit trail's hash chains are keyed (accounts/chain.py); changing the key makes every
# earlier event fail `between audit verify`, so set it once and keep it with the backups' keys.
AUDIT_CHAIN_KEY = env_secret("BETWEEN_AUDIT_KEY") or SECRET_KEY

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("BETWEEN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("BETWEEN_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("BETWEEN_HSTS_PRELOAD", True)
    if PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# No inline script or style anywhere: every page works with this policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "between_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = env_str("BETWEEN_TIME_ZONE", "America/Los_Angeles")  # the county's zone
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("BETWEEN_STATIC_ROOT", str(VAR_DIR / "static")))
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

# Without collectstatic (development, tests), serve straight from the apps' static folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Logging: ids only, never names, notes or contact details -------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("BETWEEN_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs a request's path on errors; our paths carry ids, never names.
        "django.security.DisallowedHost": {"level": "ERROR"},
        # django-axes logs each sign-in's address at INFO; lock-outs are audit events anyway.
        "axes": {"level": "WARNING"},
    },
}

# --- Small-cell suppression for aggregates shown without record access ----------------------
SMALL_CELL_MAX = env_int("BETWEEN_SMALL_CELL_MAX", 10, minimum=0)

# --- Cache: chart SVGs (between/indicators/charts.py); Redis when several app servers share it -
CACHE_URL = env_str("BETWEEN_CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Indicator summary (between/indicators, ADR 004) -----------------------------------------
# Periods that ended fewer than this many days ago are refreshed again (late entries, reviews
# and family logs arrive after the session); older periods are closed and never recomputed.
SUMMARY_LOOKBACK_DAYS = env_int("BETWEEN_SUMMARY_LOOKBACK_DAYS", 62, minimum=0)

# --- Messages: email, SMS gateway, quiet hours (between/notify) ------------------------------
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("BETWEEN_EMAIL_BACKEND", "smtp" if PRODUCTION else "console")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_HOST = env_str("BETWEEN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("BETWEEN_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("BETWEEN_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("BETWEEN_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("BETWEEN_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("BETWEEN_EMAIL_FROM", "Between Sessions <no-reply@localhost>")

SMS_BACKEND = env_str("BETWEEN_SMS_BACKEND", "outbox")
if SMS_BACKEND not in {"outbox", "gateway"}:
    raise ImproperlyConfigured(
        f"BETWEEN_SMS_BACKEND must be outbox or gateway, not {SMS_BACKEND!r}"
    )
SMS_GATEWAY_URL = env_str("BETWEEN_SMS_GATEWAY_URL")
SMS_GATEWAY_FORMAT = env_str("BETWEEN_SMS_GATEWAY_FORMAT", "form")
if SMS_GATEWAY_FORMAT not in {"form", "json"}:
    raise ImproperlyConfigured("BETWEEN_SMS_GATEWAY_FORMAT must be form or json")
SMS_GATEWAY_USER = env_str("BETWEEN_SMS_GATEWAY_USER")
SMS_GATEWAY_TOKEN = env_secret("BETWEEN_SMS_GATEWAY_TOKEN")
SMS_GATEWAY_TIMEOUT = env_int("BETWEEN_SMS_GATEWAY_TIMEOUT", 10, minimum=1)
SMS_FROM = env_str("BETWEEN_SMS_FROM")
# Inbound webhooks: HMAC key, header, accepted algorithms and the public URL the gateway signs.
SMS_WEBHOOK_SECRET = env_secret("BETWEEN_SMS_WEBHOOK_SECRET")
SMS_SIGNATURE_HEADER = env_str("BETWEEN_SMS_SIGNATURE_HEADER", "X-Signature")
SMS_SIGNATURE_ALGORITHMS = env_list("BETWEEN_SMS_SIGNATURE_ALGORITHMS", "sha256")
if not set(SMS_SIGNATURE_ALGORITHMS) <= {"sha256", "sha1"} or not SMS_SIGNATURE_ALGORITHMS:
    raise ImproperlyConfigured("BETWEEN_SMS_SIGNATURE_ALGORITHMS must list sha256 and/or sha1")
SMS_WEBHOOK_BASE_URL = env_str("BETWEEN_SMS_WEBHOOK_BASE_URL").rstrip("/")
if PRODUCTION and SMS_BACKEND == "gateway":
    for _name, _value in (
        ("BETWEEN_SMS_GATEWAY_URL", SMS_GATEWAY_URL),
        ("BETWEEN_SMS_GATEWAY_TOKEN", SMS_GATEWAY_TOKEN),
        ("BETWEEN_SMS_WEBHOOK_SECRET", SMS_WEBHOOK_SECRET),
    ):
        if not _value:
            raise ImproperlyConfigured(f"{_name} must be set when BETWEEN_SMS_BACKEND=gateway")
    if not SMS_GATEWAY_URL.startswith("https://"):
        raise ImproperlyConfigured("BETWEEN_SMS_GATEWAY_URL must be an https:// URL in production")


def _clock(name: str, default: str) -> time:
    raw = env_str(name, default)
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time like 21:00, not {raw!r}") from None


# No message (except a sign-in link someone is waiting for) goes out in these hours, county time.
QUIET_HOURS_START = _clock("BETWEEN_QUIET_HOURS_START", "21:00")
QUIET_HOURS_END = _clock("BETWEEN_QUIET_HOURS_END", "08:00")
