"""The audit trail no one can rewrite (U11; GB/T 22239-2019 8.1.4.3 c): triggers after a plain migrate,
an HMAC chain an attacker without XIAOKANG_AUDIT_KEY cannot recompute, gaps reported, anchors outside
the database that catch a deleted tail, the start-up check, and the PostgreSQL INSERT-and-SELECT role."""

from __future__ import annotations

import hashlib
import importlib
import re
import secrets
import sqlite3

import pytest
from django.db import DatabaseError, connection, transaction

from xiaokang.audit import services, triggers
from xiaokang.audit.checks import audit_triggers_check
from xiaokang.audit.models import AuditEvent, ChainSwitch
from xiaokang.audit.services import Event, log_action, verify_chain
from xiaokang.audit.tests.fresh import migrate_template
from xiaokang.cli import main


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory):
    return migrate_template(tmp_path_factory)


class Who:
    pk = None
    username = "system:tests"


def _events(n: int = 4) -> list[AuditEvent]:
    for i in range(n):
        log_action(
            Who(), "person.view", object_type="person", object_id=str(i), person_id=i, details={"i": i}
        )
    return list(AuditEvent.objects.order_by("id"))


def _sql(sql: str, params=()) -> None:
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rechain(digest) -> None:
    """What an attacker with write access to the database does after removing events: recompute every
    link in id order with ``digest(prev, canonical)``, so each event again links to the one before it."""
    prev = services.GENESIS
    for e in AuditEvent.objects.order_by("id"):
        event = Event(e.action, e.object_type, e.object_id, e.person_id, e.details)
        text = services._canonical(
            e.id,
            services._iso(e.occurred_at),
            e.actor_label,
            e.client,
            event,
            services._details_json(e.details),
        )
        mac = digest(prev, text)
        _sql("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, mac, e.id])
        prev = mac


def _sha256(prev: str, text: str) -> str:
    return hashlib.sha256((prev + text).encode()).hexdigest()


# --- Triggers after the real migrate path -------------------------------------------------------------


def test_a_plain_migrate_leaves_the_audit_table_append_only_on_sqlite(migrated_template, tmp_path):
    """0003 rebuilt the table on SQLite and dropped 0002's triggers; 0004 installs them again."""
    database = tmp_path / "db.sqlite3"
    database.write_bytes(migrated_template.read_bytes())
    db = sqlite3.connect(database)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"audit_no_update", "audit_no_delete"} <= names
    db.execute(
        "INSERT INTO audit_auditevent (occurred_at, actor_label, action, object_type, object_id, client, "
        "details, prev_hash, hash) VALUES ('2026-01-01', 'x', 'a', '', '', '', '{}', '', '')"
    )
    db.commit()
    for sql in ("UPDATE audit_auditevent SET action = 'b'", "DELETE FROM audit_auditevent"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    assert db.execute("SELECT action FROM audit_auditevent").fetchall() == [("a",)]
    db.close()


def test_a_database_without_its_triggers_is_refused_until_they_are_back(migrated_template, tmp_path):
    """Development settings too: `serve` refuses, `audit verify` fails, `migrate` (or `audit protect`)
    puts the triggers back."""
    from xiaokang.audit.tests.fresh import migrated_copy, xiaokang

    database = migrated_copy(migrated_template, tmp_path)
    db = sqlite3.connect(database)
    db.execute("DROP TRIGGER audit_no_update")
    db.close()
    served = xiaokang(tmp_path, "serve", "--port", "1")
    assert served.returncode == 2 and "audit_auditevent.audit_no_update" in served.stderr
    verified = xiaokang(tmp_path, "audit", "verify")
    assert verified.returncode == 1 and "NOT append-only" in verified.stderr
    assert xiaokang(tmp_path, "migrate").returncode == 0
    assert xiaokang(tmp_path, "audit", "verify").returncode == 0


@pytest.mark.django_db
def test_the_migration_installs_the_triggers_on_this_database(settings):
    """The same migration function on the test database (SQLite or PostgreSQL): UPDATE, DELETE (and
    TRUNCATE on PostgreSQL) refused by the database, and installing twice is harmless."""
    _events(2)
    settings.XIAOKANG_AUDIT_TRIGGERS = True
    migration = importlib.import_module("xiaokang.audit.migrations.0004_reinstall_triggers")
    schema_editor = type("SchemaEditor", (), {"connection": connection})()
    migration.install(None, schema_editor)
    migration.install(None, schema_editor)
    assert triggers.missing(connection) == []
    statements = ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]
    if connection.vendor == "postgresql":
        statements.append("TRUNCATE audit_auditevent")
        with connection.cursor() as cursor:  # the test's open transaction has deferred FK checks queued
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for sql in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    assert AuditEvent.objects.count() == 2


# --- The HMAC chain -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_attacker_who_deletes_an_event_and_recomputes_the_chain_without_the_key_is_caught():
    events = _events(4)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[1].id])
    _rechain(_sha256)  # the chain as plain SHA-256 was: every link valid again
    result = verify_chain()
    assert result.broken_id == events[0].id and "without the key" in result.reason
    assert result.gaps == []  # the walk stopped at the first event: no valid link at all


@pytest.mark.django_db
def test_recomputing_with_the_wrong_key_is_caught():
    _events(3)
    _rechain(lambda prev, text: services._digest(prev, text, key=secrets.token_bytes(32)))
    assert verify_chain().broken_id == AuditEvent.objects.order_by("id").first().id


@pytest.mark.django_db
def test_links_are_hmac_under_the_audit_key():
    (first,) = _events(1)
    event = Event(first.action, first.object_type, first.object_id, first.person_id, first.details)
    text = services._canonical(
        first.id,
        services._iso(first.occurred_at),
        first.actor_label,
        first.client,
        event,
        services._details_json(first.details),
    )
    assert first.hash != _sha256(services.GENESIS, text)
    assert first.hash == services._digest(services.GENESIS, text, key=services.audit_key())


@pytest.mark.django_db
def test_a_deleted_event_in_the_middle_is_reported_as_a_gap(capsys):
    events = _events(5)
    _sql("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [events[1].id, events[2].id])
    result = verify_chain()
    assert result.gaps == [(events[1].id, events[2].id)]
    assert result.broken_id == events[3].id
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"audit ids missing: {events[1].id}-{events[2].id}" in err
    assert f"BROKEN at event {events[3].id}" in err


# --- Older databases: the SHA-256 part up to the recorded switch point -------------------------------


def _legacy_events(n: int) -> None:
    """Events as the code before the HMAC chain wrote them (plain SHA-256 links)."""
    _events(n)
    _rechain(_sha256)


@pytest.mark.django_db
def test_an_older_database_verifies_up_to_the_switch_point_then_as_hmac():
    _legacy_events(3)
    assert verify_chain().broken_id is not None  # without a switch point the old links are not HMAC
    assert services.record_switch(connection) == AuditEvent.objects.order_by("-id").first().id
    assert services.record_switch(connection) is None  # recorded once
    _events(2)
    result = verify_chain()
    assert (result.broken_id, result.checked) == (None, 5)


@pytest.mark.django_db
def test_the_switch_point_cannot_be_moved_to_cover_a_recomputed_chain():
    _legacy_events(3)
    services.record_switch(connection)
    events = _events(3)
    # Delete a newer event, recompute everything as SHA-256 and move the switch to the end.
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[4].id])
    _rechain(_sha256)
    head = AuditEvent.objects.order_by("-id").first()
    _sql("UPDATE audit_chainswitch SET event_id = %s, head_hash = %s", [head.id, head.hash])
    result = verify_chain()
    assert result.broken_id == head.id and "switch point" in result.reason
    # Deleting the switch point makes the old part fail as HMAC.
    _sql("DELETE FROM audit_chainswitch")
    assert verify_chain().broken_id == events[0].id


@pytest.mark.django_db
def test_the_sha256_part_cannot_be_rewritten_before_the_switch_point():
    _legacy_events(3)
    services.record_switch(connection)
    first = AuditEvent.objects.order_by("id").first()
    _sql("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"i": 99}', first.id])
    _rechain(_sha256)
    assert ChainSwitch.objects.count() == 1
    result = verify_chain()
    assert result.broken_id == AuditEvent.objects.order_by("-id").first().id
    assert "switch point" in result.reason


# --- Anchors ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anchor_appends_one_line_and_never_rewrites(tmp_path, capsys):
    anchors = tmp_path / "anchors.txt"
    _events(2)
    assert main(["audit", "anchor", "--out", str(anchors)]) == 0
    first = anchors.read_text()
    _events(1)
    assert main(["audit", "anchor", "--out", str(anchors)]) == 0
    lines = anchors.read_text().splitlines()
    assert anchors.read_text().startswith(first) and len(lines) == 2
    head = AuditEvent.objects.order_by("-id").first()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z \d+ [0-9a-f]{64}", lines[1])
    assert lines[1].split()[1:] == [str(head.id), head.hash]
    capsys.readouterr()
    assert main(["audit", "verify", "--anchors", str(anchors)]) == 0
    assert "2 anchors match" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_deleted_tail_is_caught_by_the_anchors(tmp_path, capsys):
    anchors = tmp_path / "anchors.txt"
    events = _events(4)
    assert main(["audit", "anchor", "--out", str(anchors)]) == 0
    _sql("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].id])
    assert verify_chain().broken_id is None  # the chain alone cannot tell a tail is gone
    capsys.readouterr()
    assert main(["audit", "verify", "--anchors", str(anchors)]) == 1
    err = capsys.readouterr().err
    assert f"deleted tail: anchored event {events[3].id} is beyond the last event {events[1].id}" in err


@pytest.mark.django_db
def test_a_chain_rewritten_with_the_key_is_caught_by_the_anchors(tmp_path, capsys):
    """Even someone holding the audit key who deletes an event and recomputes every link is caught at
    the anchored id."""
    anchors = tmp_path / "anchors.txt"
    events = _events(4)
    assert main(["audit", "anchor", "--out", str(anchors)]) == 0
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[1].id])
    _rechain(lambda prev, text: services._digest(prev, text))
    log_action(Who(), "person.view")  # and fills the id again at the end
    capsys.readouterr()
    assert main(["audit", "verify", "--anchors", str(anchors)]) == 1
    assert f"chain rewritten: event {events[3].id}'s MAC differs" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_malformed_anchors_file_is_an_unusable_file(tmp_path, capsys):
    anchors = tmp_path / "anchors.txt"
    anchors.write_text("2026-12-07T00:00:00.000000Z 3\n")
    assert main(["audit", "verify", "--anchors", str(anchors)]) == 2
    assert "line 1" in capsys.readouterr().err
    assert main(["audit", "verify", "--anchors", str(tmp_path / "absent.txt")]) == 2


# --- Missing triggers: verify and the start-up check fail loudly ---------------------------------------


@pytest.mark.django_db
def test_missing_triggers_fail_verify_and_the_start_up_check(settings, capsys):
    _events(1)
    settings.XIAOKANG_AUDIT_TRIGGERS = True
    triggers.remove(connection)
    (error,) = audit_triggers_check()
    assert error.id == "xiaokang.audit.E001" and "audit_no_" in error.msg
    assert main(["audit", "verify"]) == 1
    assert "NOT append-only" in capsys.readouterr().err
    assert main(["audit", "protect"]) == 0
    assert audit_triggers_check() == []
    assert main(["audit", "verify"]) == 0


# --- PostgreSQL: a role that may only INSERT and SELECT the audit tables --------------------------------


@pytest.mark.django_db
def test_postgresql_insert_and_select_only_role():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    role = f"xiaokang_app_{secrets.token_hex(4)}"  # rolled back with the test's transaction
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT SELECT, INSERT ON audit_auditevent, audit_chainswitch TO {role}")
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON SEQUENCE audit_auditevent_id_seq TO {role}")
        cursor.execute(f"SET ROLE {role}")
    try:
        _events(2)  # the application's own writer works under the role
        assert verify_chain().checked == 2
        for sql in (
            "UPDATE audit_auditevent SET action = 'x'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_auditevent",
            "DELETE FROM audit_chainswitch",
        ):
            with (
                pytest.raises(DatabaseError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert AuditEvent.objects.count() == 2


def test_reinstalling_missing_triggers_is_said_and_recorded(migrated_template, tmp_path):
    """A removed trigger is a sign of tampering: `xiaokang audit protect` puts it back, but says so and
    records an `audit.protect` event naming what was missing, never repairing it in silence."""
    import sqlite3

    from xiaokang.audit.tests.fresh import migrated_copy, xiaokang

    database = migrated_copy(migrated_template, tmp_path)
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER audit_no_delete")
    result = xiaokang(tmp_path, "audit", "protect")
    assert result.returncode == 0, result.stderr
    assert "audit_no_delete" in result.stderr
    with sqlite3.connect(database) as connection:
        details = connection.execute(
            "SELECT details FROM audit_auditevent WHERE action = 'audit.protect'"
        ).fetchall()
    assert len(details) == 1 and "audit_no_delete" in details[0][0]
