"""Database triggers that make the audit table append-only: UPDATE, DELETE (and TRUNCATE on PostgreSQL)
are refused by the database itself, whatever the application does."""

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"]

POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "DROP TRIGGER IF EXISTS audit_no_change ON audit_auditevent",
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS audit_no_change ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent",
]


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in POSTGRESQL if connection.vendor == "postgresql" else SQLITE:
            cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for statement in POSTGRESQL_DROP if connection.vendor == "postgresql" else SQLITE_DROP:
            cursor.execute(statement)
