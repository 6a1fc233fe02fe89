import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
application = get_wsgi_application()


def _refuse_without_audit_triggers() -> None:
    """Production refuses to serve a database whose audit tables lost their append-only triggers (U11),
    whichever WSGI server loads this module (`xiaokang serve` also runs every system check first)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from xiaokang.audit.checks import audit_triggers_check

    if getattr(settings, "XIAOKANG_REQUIRE_KEYS", False):
        errors = [e for e in audit_triggers_check() if e.is_serious()]
        if errors:
            raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg}" for e in errors))


_refuse_without_audit_triggers()
