"""The applications API (S4): the contract's paths, bodies and status codes, scope and audit."""

import pytest

from xiaokang.audit.models import AuditEvent
from xiaokang.cases.models import Application
from xiaokang.registry.tests.test_api import Api

pytestmark = pytest.mark.django_db


def body(person_row_id, **changes):
    return {
        "id_number": person_row_id,
        "policy": "living_subsidy",
        "channel": "counter",
        "received_on": "2025-09-30",
    } | changes


@pytest.fixture
def id_a(people):
    from xiaokang.core import crypto

    return crypto.decrypt(people["a"].id_number_encrypted)


def test_post_creates_an_application_with_its_number_and_deadlines(people, id_a, sun_community_a):
    response = Api(sun_community_a).post("/applications", body(id_a))

    assert response.status_code == 201, response.content
    created = response.json()
    assert {k: created[k] for k in ("number", "state", "accept_by", "decide_by", "version")} == {
        "number": "HD-2025-000001",
        "state": "submitted",
        "accept_by": "2025-10-14",
        "decide_by": "2025-11-04",
        "version": 1,
    }
    assert response["Location"] == f"/api/v1/applications/{created['id']}"


def test_a_retried_request_with_the_same_idempotency_key_creates_one_application(
    people, id_a, sun_community_a
):
    api = Api(sun_community_a)
    api.headers["HTTP_IDEMPOTENCY_KEY"] = "retry-123"

    first = api.post("/applications", body(id_a))
    second = api.post("/applications", body(id_a))

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Application.objects.unscoped(reason="test").count() == 1


def test_a_person_outside_the_area_or_unknown_is_422_on_id_number(people, zhao_street_b, id_a):
    response = Api(zhao_street_b).post("/applications", body(id_a))

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "id_number"
    assert Application.objects.unscoped(reason="test").count() == 0


def test_transitions_move_it_on_409_when_stale_and_422_when_illegal(
    people, id_a, sun_community_a, wang_street_a
):
    api = Api(sun_community_a)
    created = api.post("/applications", body(id_a)).json()
    path = f"/applications/{created['id']}/transitions"

    accepted = api.post(path, {"action": "accept", "version": 1})
    stale = Api(wang_street_a).post(path, {"action": "return", "reason": "材料不全", "version": 1})
    illegal = api.post(path, {"action": "approve", "version": 2})
    unknown = api.post(path, {"action": "fly", "version": 2})

    assert accepted.status_code == 200 and accepted.json()["state"] == "community_review"
    assert accepted.json()["version"] == 2
    assert stale.status_code == 409 and "reload" in stale.json()["detail"]
    assert illegal.status_code == 422 and illegal.json()["detail"][0]["field"] == "action"
    assert unknown.status_code == 422
    assert Application.objects.unscoped(reason="test").get().version == 2


def test_get_returns_the_application_with_its_history(people, id_a, sun_community_a):
    api = Api(sun_community_a)
    created = api.post("/applications", body(id_a)).json()
    api.post(f"/applications/{created['id']}/transitions", {"action": "accept", "version": 1})

    response = api.get(f"/applications/{created['id']}")

    assert response.status_code == 200
    assert [(e["action"], e["to_state"]) for e in response.json()["history"]] == [
        ("submit", "submitted"),
        ("accept", "community_review"),
    ]


def test_street_b_gets_404_for_street_as_application_and_it_is_audited(
    people, id_a, sun_community_a, zhao_street_b
):
    created = Api(sun_community_a).post("/applications", body(id_a)).json()

    read = Api(zhao_street_b).get(f"/applications/{created['id']}")
    moved = Api(zhao_street_b).post(
        f"/applications/{created['id']}/transitions", {"action": "accept", "version": 1}
    )

    assert read.status_code == moved.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="application").count() == 2
    assert Application.objects.unscoped(reason="test").get().state == "submitted"


def test_the_auditor_gets_403(people, id_a, auditor_qian):
    assert Api(auditor_qian).post("/applications", body(id_a)).status_code == 403
