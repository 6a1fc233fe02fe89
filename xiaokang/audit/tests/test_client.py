"""The client address of an audit event comes from one place (U11: who, when, from where): the request
being served (audit middleware) or ``recorded_client`` around work outside a request. Services never
pass it."""

import inspect

import pytest
from django.test import Client

from xiaokang.audit import services
from xiaokang.audit.models import AuditEvent
from xiaokang.audit.services import current_client, log_action, log_actions, log_events_frame, recorded_client

pytestmark = pytest.mark.django_db


class Who:
    pk = None
    username = "system:tests"


def test_events_record_the_address_of_the_block_and_nothing_outside_it():
    with recorded_client("10.2.3.4"):
        log_action(Who(), "one", object_type="user", object_id="1")
        with recorded_client("10.9.9.9"):
            log_action(Who(), "inner", object_type="user", object_id="1")
        log_action(Who(), "two", object_type="user", object_id="1")
    log_action(Who(), "after", object_type="user", object_id="1")
    recorded = dict(AuditEvent.objects.values_list("action", "client"))
    assert recorded == {"one": "10.2.3.4", "inner": "10.9.9.9", "two": "10.2.3.4", "after": ""}
    assert services.verify_chain().broken_id is None  # the address is part of the hashed text


def test_a_long_address_is_cut_to_the_column_and_reset_after_an_error():
    with pytest.raises(RuntimeError), recorded_client("x" * 100):
        assert current_client.get() == "x" * 64
        raise RuntimeError
    assert current_client.get() == ""


def test_the_writers_take_no_address_argument():
    for writer in (log_action, log_actions, log_events_frame):
        assert "client" not in inspect.signature(writer).parameters, writer.__name__


def test_the_middleware_records_the_request_address(wang_street_a):
    browser = Client(REMOTE_ADDR="10.7.7.7")
    browser.force_login(wang_street_a)
    browser.get("/staff/persons/999999999/")
    denied = AuditEvent.objects.filter(action="access.denied").last()
    assert denied is not None and denied.client == "10.7.7.7"
    assert current_client.get() == ""
