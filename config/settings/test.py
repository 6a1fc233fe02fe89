from config.settings.base import *  # noqa: F403
from config.settings.base import DATA_DIR

# Fast hashing in tests only; production keeps Django's PBKDF2 default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Fixed test keys: tests never touch the developer's var/ keys.
XIAOKANG_ENCRYPTION_KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE="
XIAOKANG_BLIND_INDEX_KEY = "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMtb2s="
XIAOKANG_AUDIT_KEY = "dGVzdC1hdWRpdC1jaGFpbi1obWFjLWtleS0zMmJ5dGU="
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEST_DATA_DIR = DATA_DIR / "test"
XIAOKANG_DOCUMENTS_DIR = TEST_DATA_DIR / "documents"
# Static files are served from the finders in tests; no collected directory to look for.
STATIC_ROOT = None
# The live server logs after pytest has closed the stream it captured: keep request logs out of tests.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {
        "django.request": {"handlers": ["null"], "propagate": False},
        "django.server": {"handlers": ["null"], "propagate": False},
    },
}
XIAOKANG_AUDIT_TRIGGERS = False
# Tests decide per test; the mandatory roles (district_admin, security_admin, auditor) still need it.
XIAOKANG_REQUIRE_2FA = False
# Text messages go to xiaokang.core.sms.outbox (portal verification codes).
XIAOKANG_SMS_BACKEND = "locmem"
