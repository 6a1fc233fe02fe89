"""The audit trail is append-only and hash-chained; `verify_chain` names the first broken event."""

import pytest
from django.db import DatabaseError, connection, transaction

from xiaokang.audit import triggers
from xiaokang.audit.models import AuditEvent
from xiaokang.audit.services import Event, log_action, log_actions, mask_details, verify_chain

pytestmark = pytest.mark.django_db


class Who:
    pk = None
    username = "system:tests"


def _three_events():
    log_action(Who(), "login.success", object_type="user", object_id="1")
    log_actions(
        Who(),
        [
            Event("person.update", "person", "7", 7, {"name": ["甲", "乙"]}),
            Event("person.view", "person", "7", 7),
        ],
    )


def test_events_chain_and_verify():
    _three_events()
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in events] == ["login.success", "person.update", "person.view"]
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert verify_chain().broken_id is None
    assert verify_chain().checked == 3


def _tamper(sql, params):
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_altered_event_is_named():
    _three_events()
    second = AuditEvent.objects.order_by("id")[1]
    _tamper("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"name": ["甲", "丙"]}', second.id])
    result = verify_chain()
    assert (result.broken_id, result.checked) == (second.id, 1)
    assert "altered" in result.reason


def test_a_removed_event_is_named():
    _three_events()
    _first, second, third = AuditEvent.objects.order_by("id")
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [second.id])
    result = verify_chain()
    assert result.broken_id == third.id and "missing" in result.reason


def test_the_database_refuses_updates_and_deletes():
    _three_events()
    triggers.install(connection)
    for sql in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 3


def test_sensitive_values_are_masked():
    assert mask_details(
        {"id_number": "11010519491231002X", "changes": {"phone": [None, "13800000000"], "name": ["a", "b"]}}
    ) == {"id_number": "***", "changes": {"phone": [None, "***"], "name": ["a", "b"]}}


def test_text_that_needs_json_escaping_chains_and_verifies():
    log_action(Who(), "login.failure", object_type="user", object_id='o"dd\\name 名', details={"k": '引号"'})
    log_action(Who(), "login.success", object_type="user", object_id="plain")
    assert AuditEvent.objects.order_by("id").first().object_id == 'o"dd\\name 名'
    assert verify_chain().broken_id is None and verify_chain().checked == 2
