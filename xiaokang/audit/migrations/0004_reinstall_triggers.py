"""0003 altered the audit table, which SQLite does by rebuilding it: the rebuild dropped the append-only
triggers of 0002, so a database migrated from scratch had none (U11; GB/T 22239-2019 8.1.4.3 c). This
installs them again, on SQLite and PostgreSQL alike (idempotent: nothing changes where they exist)."""

from django.conf import settings
from django.db import migrations


def install(apps, schema_editor):
    from xiaokang.audit import triggers

    # The test settings leave them out so the test runner can empty tables between tests.
    if getattr(settings, "XIAOKANG_AUDIT_TRIGGERS", True):
        triggers.install(schema_editor.connection)


def noop(apps, schema_editor):
    """Going back to 0003 keeps the triggers: 0002's own reverse removes them."""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_fewer_indexes")]
    operations = [migrations.RunPython(install, noop)]
