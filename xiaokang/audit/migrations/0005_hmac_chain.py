"""The audit chain becomes an HMAC-SHA256 under XIAOKANG_AUDIT_KEY (U11; GB/T 22239-2019 8.1.4.3).
Events already written keep their plain SHA-256 links (the audit trail is never rewritten): the current
head is pinned in ``audit_chainswitch`` with a MAC under the key, and `xiaokang audit verify` checks the
events up to it as SHA-256 and every later one as HMAC. A database without events records nothing."""

from django.conf import settings
from django.db import migrations, models


def record_switch(apps, schema_editor):
    from xiaokang.audit import services

    services.record_switch(schema_editor.connection)


def install_triggers(apps, schema_editor):
    from xiaokang.audit import triggers

    if getattr(settings, "XIAOKANG_AUDIT_TRIGGERS", True):
        triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_reinstall_triggers")]
    operations = [
        migrations.CreateModel(
            name="ChainSwitch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event_id", models.BigIntegerField(unique=True)),
                ("head_hash", models.CharField(max_length=64)),
                ("mac", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(record_switch, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
