"""Start-up check (run by `manage.py check` and `xiaokang serve`, which refuses to serve on an error):
the audit tables must carry their append-only triggers (U11; GB/T 22239-2019 8.1.4.3 c)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError, connection

from xiaokang.audit import triggers


@register()
def audit_triggers_check(app_configs=None, **kwargs):
    if not getattr(settings, "XIAOKANG_AUDIT_TRIGGERS", True):
        return []  # the test settings: tests install the triggers themselves
    try:
        from django.db.migrations.recorder import MigrationRecorder

        if "audit_auditevent" not in connection.introspection.table_names():
            return []  # not migrated yet: `xiaokang migrate` creates the table with its triggers
        applied = MigrationRecorder(connection).applied_migrations()
        if ("audit", "0005_hmac_chain") not in applied:
            return []  # migrate pending: 0004 installs the triggers again
        absent = triggers.missing(connection)
    except DatabaseError as exc:
        return [
            Warning(
                f"cannot check the audit triggers: {exc}",
                id="xiaokang.audit.W001",
            )
        ]
    if not absent:
        return []
    return [
        Error(
            "the audit trail is not append-only: trigger(s) missing: " + ", ".join(absent),
            hint="run `xiaokang audit protect` (or `xiaokang migrate` on a database not yet migrated); "
            "then `xiaokang audit verify`",
            id="xiaokang.audit.E001",
        )
    ]
