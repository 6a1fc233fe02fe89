"""Transfers between streets (R6, S4; U11): requested by either street, decided by the district, applied
through the registry's write path (history source ``transfer``), audited at each step; the receiving
street sees nothing of the person before approval; one open transfer per person."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import Client

from tests.helpers import STREET_A, STREET_B, person_row, write_csv
from xiaokang.audit.models import AuditEvent
from xiaokang.core.models import Area
from xiaokang.registry.models import Person, PersonHistory, PersonTransfer
from xiaokang.registry.selectors import person_for
from xiaokang.registry.services import persons_import
from xiaokang.registry.tests.test_api import Api
from xiaokang.registry.transfers import (
    NO_MATCH,
    TransferConflict,
    TransferError,
    TransferNotAllowed,
    transfer_cancel,
    transfer_decide,
    transfer_request,
    transfers_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(tmp_path, system_actor):
    """Person 1 in street A (测试社区); person 2 in street B (中关村社区)."""
    rows = [person_row(1), person_row(2, 街道乡镇="中关村街道", 社区村="中关村社区")]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "seed.csv", rows))
    return {
        "a": Person.objects.unscoped(reason="test").get(name="测试1"),
        "b": Person.objects.unscoped(reason="test").get(name="测试2"),
        "id_a": rows[0]["公民身份号码"],
        "id_b": rows[1]["公民身份号码"],
        "community_a": Area.objects.get(name="测试社区"),
        "community_b": Area.objects.get(name="中关村社区"),
    }


def test_transfer_journey_requested_by_the_sending_street(
    registry, wang_street_a, zhao_street_b, li_district_officer
):
    a = registry["a"]
    # Street B sees nothing of street A's person before the move.
    with pytest.raises(Http404):
        person_for(zhao_street_b, a.pk)
    transfer = transfer_request(
        actor=wang_street_a, person_id=a.pk, to_community=registry["community_b"].code, reason="搬家"
    )
    assert (transfer.state, transfer.side, transfer.from_street.code) == ("requested", "from", STREET_A)
    # The receiving street sees the request without the person.
    view = [t for t in transfers_for(zhao_street_b)]
    assert view == [transfer]
    # Neither street may decide it.
    for actor in (wang_street_a, zhao_street_b):
        with pytest.raises(TransferNotAllowed):
            transfer_decide(actor=actor, transfer_id=transfer.pk, approve=True, expected_version=1)
    assert Person.objects.unscoped(reason="test").get(pk=a.pk).street.code == STREET_A

    decided = transfer_decide(
        actor=li_district_officer, transfer_id=transfer.pk, approve=True, expected_version=1, note="同意"
    )

    assert decided.state == "approved" and decided.decided_by == li_district_officer
    moved = Person.objects.unscoped(reason="test").get(pk=a.pk)
    assert (moved.street.code, moved.community_id) == (STREET_B, registry["community_b"].pk)
    entry = PersonHistory.objects.filter(person=a, source="transfer").get()
    assert entry.changes["street"] == [STREET_A, STREET_B]
    assert entry.changes["community"] == [registry["community_a"].code, registry["community_b"].code]
    actions = list(AuditEvent.objects.filter(person_id=a.pk).order_by("id").values_list("action", flat=True))
    assert "transfer.request" in actions and "transfer.approve" in actions and "person.update" in actions
    # Now street B has the person and street A no longer does.
    assert person_for(zhao_street_b, a.pk) == moved
    with pytest.raises(Http404):
        person_for(wang_street_a, a.pk)


def test_the_receiving_street_requests_by_id_number_and_name_only(
    registry, wang_street_a, li_district_officer
):
    b = registry["b"]
    with pytest.raises(TransferError) as wrong_name:
        transfer_request(
            actor=wang_street_a,
            id_number=registry["id_b"],
            name="别人",
            to_community=registry["community_a"].code,
            reason="迁入",
        )
    with pytest.raises(TransferError) as nobody:
        transfer_request(
            actor=wang_street_a,
            id_number="11010819800101999X",
            name="测试2",
            to_community=registry["community_a"].code,
            reason="迁入",
        )
    assert str(wrong_name.value) == str(nobody.value) == NO_MATCH
    assert AuditEvent.objects.filter(action="registry.out_of_area").count() == 2
    # Only into its own communities.
    with pytest.raises(TransferError):
        transfer_request(
            actor=wang_street_a,
            id_number=registry["id_b"],
            name="测试2",
            to_community=registry["community_b"].code,
            reason="迁入",
        )
    transfer = transfer_request(
        actor=wang_street_a,
        id_number=registry["id_b"],
        name="测试2",
        to_community=registry["community_a"].code,
        reason="迁入",
    )
    assert transfer.side == "to"
    with pytest.raises(Http404):
        person_for(wang_street_a, b.pk)  # nothing of the record before approval
    transfer_decide(actor=li_district_officer, transfer_id=transfer.pk, approve=False, expected_version=1)
    assert Person.objects.unscoped(reason="test").get(pk=b.pk).street.code == STREET_B
    assert AuditEvent.objects.filter(action="transfer.reject", person_id=b.pk).exists()
    assert not PersonHistory.objects.filter(person=b, source="transfer").exists()


def test_one_open_transfer_per_person(registry, wang_street_a, li_district_officer):
    a = registry["a"]
    first = transfer_request(
        actor=wang_street_a, person_id=a.pk, to_community=registry["community_b"].code, reason="搬家"
    )
    with pytest.raises(TransferError):
        transfer_request(
            actor=wang_street_a, person_id=a.pk, to_community=registry["community_b"].code, reason="再次"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonTransfer.objects.create(
            person=a,
            from_street=first.from_street,
            from_community=first.from_community,
            to_street=first.to_street,
            to_community=first.to_community,
            side="from",
            requested_by=wang_street_a,
            requested_at=first.requested_at,
            reason="直接写库",
        )
    # A stale version changes nothing; a withdrawn transfer frees the person for a new one.
    with pytest.raises(TransferConflict):
        transfer_decide(actor=li_district_officer, transfer_id=first.pk, approve=True, expected_version=7)
    transfer_cancel(actor=wang_street_a, transfer_id=first.pk, expected_version=1)
    assert AuditEvent.objects.filter(action="transfer.cancel").exists()
    transfer_request(
        actor=wang_street_a, person_id=a.pk, to_community=registry["community_b"].code, reason="再次"
    )


def test_a_street_cannot_request_a_transfer_of_another_streets_person_by_id(registry, wang_street_a):
    with pytest.raises(Http404):
        transfer_request(
            actor=wang_street_a,
            person_id=registry["b"].pk,
            to_community=registry["community_a"].code,
            reason="x",
        )


def test_transfer_api_request_list_and_decide(registry, wang_street_a, zhao_street_b, li_district_officer):
    response = Api(zhao_street_b).post(
        "/transfers",
        {
            "id_number": registry["id_a"],
            "name": "测试1",
            "to_community": registry["community_b"].code,
            "reason": "迁入",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "requested" and body["from_street"] is None  # nothing of the record
    listed = Api(zhao_street_b).get("/transfers").json()["items"]
    assert [t["id"] for t in listed] == [body["id"]] and listed[0]["person_id"] is None
    assert Api(wang_street_a).get("/transfers").json()["items"][0]["person_id"] == registry["a"].pk
    refused = Api(zhao_street_b).post(f"/transfers/{body['id']}/decide", {"approve": True, "version": 1})
    assert refused.status_code == 403
    decided = Api(li_district_officer).post(
        f"/transfers/{body['id']}/decide", {"approve": True, "version": 1}
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["state"] == "approved"
    assert Person.objects.unscoped(reason="test").get(pk=registry["a"].pk).street.code == STREET_B
    stale = Api(li_district_officer).post(f"/transfers/{body['id']}/decide", {"approve": True, "version": 1})
    assert stale.status_code == 409


def test_a_broken_rule_answers_422_in_the_shape_of_every_422_naming_the_field(registry, wang_street_a):
    """Found by the schema fuzzer (tests/fuzz): the transfer endpoints answered 422 with a bare string,
    unlike the API's other 422s (a list naming each field) and unlike their own document."""
    response = Api(wang_street_a).post(
        "/transfers",
        {"person_id": registry["a"].pk, "to_community": registry["community_b"].code, "reason": ""},
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "field": "reason",
                "column": "reason",
                "message": "请填写转移原因 / give the reason for the transfer",
            }
        ]
    }


def test_transfer_pages(registry, wang_street_a, li_district_officer):
    client = Client()
    client.force_login(wang_street_a)
    a = registry["a"]
    assert f"/staff/persons/{a.pk}/transfer/" in client.get(f"/staff/persons/{a.pk}/").content.decode()
    response = client.post(
        f"/staff/persons/{a.pk}/transfer/",
        {"to_community": registry["community_b"].code, "reason": "搬家"},
    )
    assert response.status_code == 303, response.content.decode()
    transfer = PersonTransfer.objects.unscoped(reason="test").get()
    detail = client.get(f"/staff/persons/{a.pk}/").content.decode()
    assert 'id="open-transfer"' in detail and f"/staff/persons/{a.pk}/transfer/" not in detail
    # The sending street cannot decide its own request (403, and nothing moves).
    assert (
        client.post(
            f"/staff/registry/transfers/{transfer.pk}/decide/", {"decision": "approve", "version": 1}
        ).status_code
        == 403
    )
    assert Person.objects.unscoped(reason="test").get(pk=a.pk).street.code == STREET_A
    assert AuditEvent.objects.filter(
        action="access.denied", object_type="transfer", object_id=str(transfer.pk)
    ).exists()  # the refused decision is audited
    district = Client()
    district.force_login(li_district_officer)
    queue = district.get("/staff/registry/transfers/").content.decode()
    assert "测试1" in queue and f"/staff/registry/transfers/{transfer.pk}/decide/" in queue
    decided = district.post(
        f"/staff/registry/transfers/{transfer.pk}/decide/", {"decision": "approve", "version": 1, "note": ""}
    )
    assert decided.status_code == 303
    assert Person.objects.unscoped(reason="test").get(pk=a.pk).street.code == STREET_B


def test_a_street_out_of_attempts_cannot_go_on_trying_id_numbers(registry, zhao_street_b, settings):
    """The attack: once the allowance of refusals is used up, a street kept trying ID numbers for a known
    name, and a right pair still went through, telling it the person exists. Now a right pair counts and
    is refused in the same words as a wrong one."""
    settings.XIAOKANG_OUT_OF_AREA_RATE_LIMIT = (2, 60)

    def ask(id_number):
        with pytest.raises(TransferError) as refused:
            transfer_request(
                actor=zhao_street_b,
                id_number=id_number,
                name="测试1",
                to_community=registry["community_b"].code,
                reason="迁入",
            )
        return str(refused.value)

    wrong = person_row(901)["公民身份号码"]
    ask(wrong)
    ask(wrong)
    exhausted = ask(wrong)
    assert ask(registry["id_a"]) == exhausted  # the right number answers as a wrong one
    assert not PersonTransfer.objects.unscoped(reason="test").exists()
