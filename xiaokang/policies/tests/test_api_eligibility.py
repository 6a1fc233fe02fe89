"""GET /api/v1/persons/{id}/eligibility?date=… (P2): every policy with its conditions, the data
used and the citations, through the registry's scope (404 out of scope, audited)."""

import pytest

from xiaokang.audit.models import AuditEvent
from xiaokang.registry.tests.test_api import Api, registry  # noqa: F401 (the shared fixture)

pytestmark = pytest.mark.django_db


def test_eligibility_explains_every_policy_with_conditions_and_citations(registry, wang_street_a):  # noqa: F811
    person = registry["a"]  # 低保, grade-1 physical, Beijing urban

    response = Api(wang_street_a).get(f"/persons/{person.pk}/eligibility", {"date": "2025-06-01"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["date"] == "2025-06-01" and len(body["policies"]) == 11
    living = next(p for p in body["policies"] if p["policy"] == "living_subsidy")
    assert (living["eligible"], living["amount"], living["failed"]) == (True, "400.00", [])
    assert living["amount_rule"] == "低保家庭A类"
    assert "dibao_group_a" in living["unverified_parameters"]
    economic = next(c for c in living["conditions"] if c["id"] == "economic_status")
    assert economic["passed"] and economic["used"] == [
        {"fact": "economic_status", "label": "家庭经济状况", "value": "低保"}
    ]
    assert "国发〔2015〕52号" in economic["citation"]
    rural = next(p for p in body["policies"] if p["policy"] == "rural_housing_renovation")
    assert (rural["eligible"], rural["amount"], rural["failed"]) == (
        False,
        "0.00",
        ["rural_hukou", "dangerous_house"],
    )
    assert AuditEvent.objects.filter(action="person.eligibility", person_id=person.pk).count() == 1


def test_street_b_gets_404_for_a_person_of_street_a_and_it_is_audited(registry, zhao_street_b):  # noqa: F811
    response = Api(zhao_street_b).get(f"/persons/{registry['a'].pk}/eligibility")

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", person_id=registry["a"].pk).exists()
    assert not AuditEvent.objects.filter(action="person.eligibility").exists()


def test_a_date_without_parameters_is_400_and_a_bad_date_422(registry, li_district_officer):  # noqa: F811
    api = Api(li_district_officer)

    assert api.get(f"/persons/{registry['a'].pk}/eligibility", {"date": "2024-01-01"}).status_code == 400
    assert api.get(f"/persons/{registry['a'].pk}/eligibility", {"date": "2025-02-30"}).status_code == 422


def test_the_auditor_gets_403(registry, db):  # noqa: F811
    from xiaokang.accounts.models import User

    auditor = User.objects.create_user("aud", password="Pass-word-123", role="auditor")

    assert Api(auditor).get(f"/persons/{registry['a'].pk}/eligibility").status_code == 403
