"""The API fuzzed from its own OpenAPI document (U11; GB/T 22239-2019 8.1.4.4 intrusion prevention: an
interface refuses what it was not designed for, and never fails). Schemathesis generates requests for
every operation of `/api/v1/openapi.json`, valid and invalid, and sends them in-process through Django's
WSGI handler with a bearer token of each staff role. Every answer must be no server error (5xx) and must
match the document: a status code it lists, the documented content type and a body of the documented
shape. Examples per operation are bounded so the run fits CI's budget (docs/security.md)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.helpers import STREET_A, person_row, write_csv

ROLES = (
    "district_admin",
    "district_officer",
    "street_officer",
    "community_worker",
    "auditor",
    "security_admin",
)
EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go straight to Django's WSGI handler, which closes the database connection when a request
    ends; inside the test's transaction that would close it under the test (PostgreSQL). Django's test
    client does the same as this."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def existing_ids(db, tmp_path, system_actor):
    """A few persons of street A and an application of the first, so that besides the generated ids
    (mostly unknown: 404) every path is also tried with an id that exists and its 200 answer validated."""
    import datetime as dt

    from xiaokang.cases.services import application_submit
    from xiaokang.registry.models import Person
    from xiaokang.registry.services import persons_import

    persons_import(
        actor=system_actor, path=write_csv(tmp_path / "p.csv", [person_row(n) for n in range(1, 6)])
    )
    person = Person.objects.unscoped(reason="test").order_by("id").first()
    application = application_submit(
        actor=system_actor,
        person=person,
        policy_id="living_subsidy",
        channel="counter",
        received_on=dt.date.today(),
    ).application
    return {"person_id": person.pk, "application_id": application.pk}


@pytest.fixture
def tokens(db, existing_ids):
    """A bearer token of one account of every staff role (the street officer and the community worker in
    the area of the persons above)."""
    from xiaokang.accounts.models import User
    from xiaokang.accounts.services import api_token_issue
    from xiaokang.core.models import Area

    street = Area.objects.get(code=STREET_A)
    areas = {"street_officer": street, "community_worker": street.children.get(name="测试社区")}
    issued = {}
    for role in ROLES:
        user = User.objects.create_user(
            f"fuzz_{role}", password="Pass-word-123", role=role, area=areas.get(role)
        )
        issued[role] = api_token_issue(user=user)
    return issued


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_for_every_role(case, tokens, existing_ids):
    for role in ROLES:
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        case.call_and_validate(headers=headers, checks=CHECKS)
        known = {name: existing_ids[name] for name in case.path_parameters or {} if name in existing_ids}
        if known:
            case.path_parameters = {**case.path_parameters, **known}
            case.call_and_validate(headers=headers, checks=CHECKS)
