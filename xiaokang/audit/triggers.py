"""Database triggers that make the audit tables append-only: UPDATE, DELETE (and TRUNCATE on PostgreSQL)
are refused by the database itself, whatever the application does (U11; GB/T 22239-2019 8.1.4.3 c:
audit records protected against unexpected deletion, modification or overwriting).

``install`` is idempotent and covers every audit table that exists; ``missing`` names the triggers that
should be there and are not (the start-up check and `xiaokang audit verify` refuse such a database).
A SQLite table rebuild (an ALTER of the audit table in a migration) silently drops its triggers: any
such migration must call ``install`` again afterwards (as 0004 does after 0003)."""

from __future__ import annotations

MESSAGE = "audit events are append-only"
# Table -> the SQLite trigger names guarding it.
TABLES = {
    "audit_auditevent": ("audit_no_update", "audit_no_delete"),
    "audit_chainswitch": ("audit_switch_no_update", "audit_switch_no_delete"),
}
POSTGRESQL_TRIGGERS = ("audit_no_change", "audit_no_truncate")


def _sqlite(table: str) -> list[str]:
    no_update, no_delete = TABLES[table]
    return [
        f"CREATE TRIGGER IF NOT EXISTS {no_update} BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {no_delete} BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TABLES[table]]


POSTGRESQL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
)


def _postgresql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS audit_no_change ON {table}",
        f"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
        f"DROP TRIGGER IF EXISTS audit_no_truncate ON {table}",
        f"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    ]


def _postgresql_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in POSTGRESQL_TRIGGERS]


# The statements for the main table, kept for callers that print or run them directly.
SQLITE = _sqlite("audit_auditevent")
SQLITE_DROP = _sqlite_drop("audit_auditevent")
POSTGRESQL = [POSTGRESQL_FUNCTION, *_postgresql("audit_auditevent")]
POSTGRESQL_DROP = _postgresql_drop("audit_auditevent")


def _tables(connection) -> list[str]:
    present = set(connection.introspection.table_names())
    return [table for table in TABLES if table in present]


def install(connection) -> None:
    """Create (or re-create) the triggers on every audit table present; safe to run again."""
    tables = _tables(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FUNCTION)
            statements = [s for table in tables for s in _postgresql(table)]
        else:
            statements = [s for table in tables for s in _sqlite(table)]
        for statement in statements:
            cursor.execute(statement)


def remove(connection) -> None:
    tables = _tables(connection)
    with connection.cursor() as cursor:
        drop = _postgresql_drop if connection.vendor == "postgresql" else _sqlite_drop
        for table in tables:
            for statement in drop(table):
                cursor.execute(statement)


def missing(connection) -> list[str]:
    """``table.trigger`` for every append-only trigger absent (or disabled) on an existing audit table."""
    tables = _tables(connection)
    absent = []
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                    "AND NOT tgisinternal AND tgenabled <> 'D'",
                    [table],
                )
                expected = POSTGRESQL_TRIGGERS
            else:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
                )
                expected = TABLES[table]
            present = {row[0] for row in cursor.fetchall()}
            absent += [f"{table}.{name}" for name in expected if name not in present]
    return absent


def reinstall(connection, *, actor) -> list[str]:
    """Install the triggers and return the ones that were missing: a removed trigger is a sign of
    tampering (GB/T 22239-2019 8.1.4.3 c), so reinstalling it is recorded as ``audit.protect`` by
    ``actor``, never repaired in silence (`xiaokang migrate`, `xiaokang audit protect`)."""
    from xiaokang.audit.services import log_action

    before = missing(connection)
    install(connection)
    if before:
        log_action(actor, "audit.protect", object_type="audit", details={"reinstalled": before})
    return before
