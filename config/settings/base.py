"""Settings shared by every environment. Everything deployment-specific comes from the environment
(see config/env.py and the README's Configuration section)."""

import re

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, data_dir, env, env_bool, env_int

DATA_DIR = data_dir()

SECRET_KEY = (
    env("XIAOKANG_SECRET_KEY") or "django-insecure-development-only-key-not-for-production-use-0123456789"
)
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in (env("XIAOKANG_ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' own static files (no CDN)
    "xiaokang.core",
    "xiaokang.audit",
    "xiaokang.accounts",
    "xiaokang.registry",
    "xiaokang.policies",
    "xiaokang.cases",
    "xiaokang.employment",
    "xiaokang.interpreting",
    "xiaokang.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A password someone else set is changed before anything else (GB/T 22239-2019 8.1.4.1).
    "xiaokang.accounts.middleware.PasswordChangeRequiredMiddleware",
    "xiaokang.audit.middleware.AuditClientMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xiaokang.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xiaokang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xiaokang.accounts.context.staff_menu",
                "xiaokang.portal.display.portal",
                "xiaokang.portal.sessions.applicant_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'xiaokang.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh clone has no var/ yet: the embedded database creates its own directory.
    from pathlib import Path

    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a batch job writes; IMMEDIATE avoids lock upgrades mid-transaction.
    # A page cache of up to 256 MB (allocated only as used) keeps bulk inserts into the random-keyed
    # blind-index B-trees in memory: a 100,000-row import is 4× faster than with the 2 MB default.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "xiaokang.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "xiaokang.accounts.passwords.CharacterClassValidator"},
]

# zh-hans first: the users are Haidian's staff and residents; English everywhere via gettext.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "xiaokang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "xiaokang" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True  # idle expiry: the 30 minutes restart at every request
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Security headers (U11; xiaokang.core.middleware). Every page, the API docs included (ninja's Swagger UI
# from its own static files, no CDN; checked in Chromium by tests/browser/test_csp_browser.py): scripts,
# styles and everything else from this site only, no inline script or style, no plugins, no framing,
# forms post only here.
XIAOKANG_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
XIAOKANG_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()"
)
# Cache-Control: no-store where personal data is shown (PIPL art. 51): the API (not its public OpenAPI
# document), staff pages, the applicant's account, the status lookup, screener answers, bookings.
XIAOKANG_NO_STORE_PATHS = ("/api/v1/", "/staff/", "/account/", "/status/", "/screener/", "/interpreting/")
XIAOKANG_NO_STORE_EXEMPT = ("/api/v1/openapi.json",)

# The audit table is append-only in the database (xiaokang/audit/triggers.py). The test settings turn
# the triggers off so the test runner can empty the database between tests; tests install them.
XIAOKANG_AUDIT_TRIGGERS = True

# Field encryption (ID and phone numbers): see xiaokang/core/crypto.py.
XIAOKANG_ENCRYPTION_KEY = env("XIAOKANG_ENCRYPTION_KEY")
XIAOKANG_BLIND_INDEX_KEY = env("XIAOKANG_BLIND_INDEX_KEY")
XIAOKANG_REQUIRE_KEYS = False
# `xiaokang seed --demo-accounts` creates accounts with a published password: refused in production (U11).
XIAOKANG_ALLOW_DEMO_ACCOUNTS = True
# The audit chain's HMAC key (U11; GB/T 22239-2019 8.1.4.3): outside the database, so that someone who
# can write the database cannot recompute the chain. See xiaokang/audit/services.py and docs/operations.md.
XIAOKANG_AUDIT_KEY = env("XIAOKANG_AUDIT_KEY")

# Import limits (R5): a file larger than this, or one that unzips to more, is refused.
XIAOKANG_IMPORT_MAX_BYTES = env_int("XIAOKANG_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES = env_int("XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES", 500 * 1024 * 1024)
# Application documents (S4): PDF, JPEG or PNG, stored under the data directory, not in the database.
XIAOKANG_DOCUMENTS_DIR = DATA_DIR / "documents"
# The public status lookup (S4): attempts per client, attempts per application number, and the
# window in minutes they are counted over (portal.status).
XIAOKANG_STATUS_RATE_LIMIT = (20, 5, 15)
# Applicant registration (portal.applicants): attempts per client address, and the window in minutes.
XIAOKANG_REGISTER_RATE_LIMIT = (10, 60)
# Bulk reading of the registry (U11; GB/T 22239-2019 8.1.4.11; PIPL art. 51): a reader who pages through
# more than XIAOKANG_BULK_READ_LIMIT persons within XIAOKANG_BULK_READ_WINDOW seconds (person list pages,
# the persons API) is answered 429 until the window has passed, and the auditor is alerted
# ("alert.bulk_read", registry.reading). Exports are audited, not limited.
XIAOKANG_BULK_READ_LIMIT = env_int("XIAOKANG_BULK_READ_LIMIT", 2000)
XIAOKANG_BULK_READ_WINDOW = env_int("XIAOKANG_BULK_READ_WINDOW", 600)
# Portal account verification (U11; portal.verification, core.sms): the SMS backend ("console" prints
# and writes DATA_DIR/sms/outbox.txt, "http" posts to the gateway, "disabled": office codes only), the
# gateway's address, token and timeout in seconds; codes sent per account and per person within the
# window in minutes; codes entered per account within the window in minutes.
XIAOKANG_SMS_BACKEND = env("XIAOKANG_SMS_BACKEND") or "console"
XIAOKANG_SMS_GATEWAY_URL = env("XIAOKANG_SMS_GATEWAY_URL")
XIAOKANG_SMS_GATEWAY_TOKEN = env("XIAOKANG_SMS_GATEWAY_TOKEN")
XIAOKANG_SMS_TIMEOUT = env_int("XIAOKANG_SMS_TIMEOUT", 10)
XIAOKANG_SMS_RATE_LIMIT = (3, 5, 60)
XIAOKANG_VERIFY_RATE_LIMIT = (10, 60)
if XIAOKANG_SMS_BACKEND == "http" and not XIAOKANG_SMS_GATEWAY_URL:
    raise ImproperlyConfigured("XIAOKANG_SMS_BACKEND=http needs XIAOKANG_SMS_GATEWAY_URL")
# Registry rows refused because the person is (or would be) outside the user's area (U11, registry.services):
# refused rows per user, and the window in minutes; beyond it the whole import or API call is refused.
XIAOKANG_OUT_OF_AREA_RATE_LIMIT = (50, 60)
XIAOKANG_DOCUMENT_MAX_BYTES = env_int("XIAOKANG_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# `xiaokang screen` reads a file without storing it (P2: a million rows is about 250 MB of CSV).
XIAOKANG_SCREEN_MAX_BYTES = env_int("XIAOKANG_SCREEN_MAX_BYTES", 2 * 1024 * 1024 * 1024)
# The employers' annual declaration window within the levy year (E1; Beijing: 1 March – 31 October,
# 京残发〔2022〕5号): "MM-DD,MM-DD". A declaration recorded outside it is kept, with a warning.
XIAOKANG_DECLARATION_WINDOW = tuple((env("XIAOKANG_DECLARATION_WINDOW") or "03-01,10-31").split(","))
if len(XIAOKANG_DECLARATION_WINDOW) != 2 or not all(
    re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", day) for day in XIAOKANG_DECLARATION_WINDOW
):
    raise ImproperlyConfigured("XIAOKANG_DECLARATION_WINDOW must be MM-DD,MM-DD (e.g. 03-01,10-31)")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("XIAOKANG_LOG_LEVEL") or "WARNING"},
}

# Second factor (U11; GB/T 22239-2019 8.1.4.1 d): mandatory for district_admin, security_admin and
# auditor; for every staff role when true (the production default, config/settings/production.py).
XIAOKANG_REQUIRE_2FA = env_bool("XIAOKANG_REQUIRE_2FA", False)
# API tokens (U11): refused after this many idle minutes, besides the 8 hours after issue.
XIAOKANG_API_TOKEN_IDLE_MINUTES = env_int("XIAOKANG_API_TOKEN_IDLE_MINUTES", 30)

# The decision notices and receipts (S4, G2; docs/cases.md "Notices and receipts"): the body that issues
# them and seals them, the phone number residents call with a question, how benefits are paid, and the
# reconsideration body and the court named in "how to appeal" on a notice.
XIAOKANG_NOTICE_ISSUER = env("XIAOKANG_NOTICE_ISSUER") or "北京市海淀区残疾人联合会"
# 12345: Beijing's citizen service hotline (北京12345市民服务热线); set the issuer's own number.
XIAOKANG_NOTICE_PHONE = env("XIAOKANG_NOTICE_PHONE") or "12345"
XIAOKANG_NOTICE_PAYMENT_METHOD = (
    env("XIAOKANG_NOTICE_PAYMENT_METHOD") or "按月以社会化发放方式存入本人社会保障卡（北京通）银行账户"
)
XIAOKANG_NOTICE_RECONSIDERATION_BODY = env("XIAOKANG_NOTICE_RECONSIDERATION_BODY") or "北京市海淀区人民政府"
XIAOKANG_NOTICE_COURT = env("XIAOKANG_NOTICE_COURT") or "北京市海淀区人民法院"
