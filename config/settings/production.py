"""Production: refuses to start without real secrets and keys; passes `manage.py check --deploy`."""

from config.env import ImproperlyConfiguredError, env, env_bool, env_int
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    SECRET_KEY,
    XIAOKANG_AUDIT_KEY,
    XIAOKANG_BLIND_INDEX_KEY,
    XIAOKANG_ENCRYPTION_KEY,
)

DEBUG = False
XIAOKANG_REQUIRE_KEYS = True
XIAOKANG_ALLOW_DEMO_ACCOUNTS = False  # demo accounts have a published password (U11)

_missing = [
    name
    for name, value in (
        ("XIAOKANG_SECRET_KEY", env("XIAOKANG_SECRET_KEY")),
        ("XIAOKANG_ENCRYPTION_KEY", XIAOKANG_ENCRYPTION_KEY),
        ("XIAOKANG_BLIND_INDEX_KEY", XIAOKANG_BLIND_INDEX_KEY),
        ("XIAOKANG_AUDIT_KEY", XIAOKANG_AUDIT_KEY),
    )
    if not value
]
if _missing:
    raise ImproperlyConfiguredError(
        "Production settings need " + ", ".join(_missing) + " (or the same names with _FILE)."
    )
if XIAOKANG_ENCRYPTION_KEY == XIAOKANG_BLIND_INDEX_KEY:
    raise ImproperlyConfiguredError(
        "XIAOKANG_ENCRYPTION_KEY and XIAOKANG_BLIND_INDEX_KEY must be different keys."
    )
# The audit chain's key is independent of the others (U11): a leaked field key must not also let someone
# recompute the audit chain.
if XIAOKANG_AUDIT_KEY in (XIAOKANG_ENCRYPTION_KEY, XIAOKANG_BLIND_INDEX_KEY, SECRET_KEY):
    raise ImproperlyConfiguredError(
        "XIAOKANG_AUDIT_KEY must be a key of its own, different from XIAOKANG_ENCRYPTION_KEY, "
        "XIAOKANG_BLIND_INDEX_KEY and XIAOKANG_SECRET_KEY."
    )
# The append-only triggers are part of the audit control: production never runs without them.
XIAOKANG_AUDIT_TRIGGERS = True
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfiguredError("XIAOKANG_SECRET_KEY must be at least 50 random characters.")

# Verification codes are never printed or kept in a file in production (U11): the SMS gateway, or
# office codes only.
XIAOKANG_SMS_BACKEND = env("XIAOKANG_SMS_BACKEND") or "disabled"
if XIAOKANG_SMS_BACKEND in ("console", "locmem"):
    raise ImproperlyConfiguredError(
        "XIAOKANG_SMS_BACKEND must be http (with XIAOKANG_SMS_GATEWAY_URL) or disabled in production."
    )
# The gateway gets the bearer token, the phone number and the code: never over plain HTTP.
if XIAOKANG_SMS_BACKEND == "http" and not (env("XIAOKANG_SMS_GATEWAY_URL") or "").startswith("https://"):
    raise ImproperlyConfiguredError("XIAOKANG_SMS_GATEWAY_URL must be an https:// address in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("XIAOKANG_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Every staff account signs in with a second factor unless explicitly turned off (U11).
XIAOKANG_REQUIRE_2FA = env_bool("XIAOKANG_REQUIRE_2FA", True)
