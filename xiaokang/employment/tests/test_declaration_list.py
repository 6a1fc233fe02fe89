"""The declaration list as a list people work with (E1, U11; core.listing): a street filter that narrows
the actor's scope and never widens it, whitelisted sorting, and the export of the filtered result to xlsx,
audited."""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A, STREET_B
from tests.listing import client_for, download, xlsx_rows
from xiaokang.audit.models import AuditEvent
from xiaokang.employment.tests.test_declarations import cert, employee, employers, registry, submit  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/staff/declarations/"


@pytest.fixture
def declared(registry, employers, li_district_officer):  # noqa: F811
    return [
        submit(li_district_officer, employers[0], [employee(cert(1))]),
        submit(li_district_officer, employers[1], []),
        submit(li_district_officer, employers[2], [employee(cert(7, "43"))]),
    ]


def test_sorting_by_employer_descending_reverses_the_order(declared, li_district_officer):
    client = client_for(li_district_officer)

    ascending = client.get(URL, {"sort": "employer"}).content.decode()
    descending = client.get(URL, {"sort": "-employer"}).content.decode()

    names = ["单位0", "单位1", "单位2"]
    assert sorted(names, key=ascending.index) == names
    assert sorted(names, key=descending.index) == names[::-1]


@pytest.mark.parametrize("sort", ["password", "-employer__uscc", "employees__certificate_hash"])
def test_an_undeclared_sort_keeps_the_default_order(declared, li_district_officer, sort):
    response = client_for(li_district_officer).get(URL, {"sort": sort})

    assert response.status_code == 200
    assert 'aria-sort="descending"' in response.content.decode()  # the default: the latest levy year


def test_the_export_holds_the_filtered_rows_and_is_audited(declared, li_district_officer):
    response = client_for(li_district_officer).get(URL, {"street": STREET_A, "export": "xlsx"})
    rows = xlsx_rows(download(response))

    assert rows[0][0] == "Employer" and rows[0][-1] == "Levy (yuan)"
    assert {row[0] for row in rows[1:]} == {"单位0", "单位1"}
    event = AuditEvent.objects.get(action="declaration.export")
    assert event.details["rows"] == 2 and event.details["filters"] == {"street": STREET_A}


def test_a_street_officer_cannot_export_another_streets_declarations(declared, wang_street_a):
    # Attack: street B's code in the address; the form refuses it and the scope stays.
    response = client_for(wang_street_a).get(URL, {"street": STREET_B, "export": "xlsx"})
    rows = xlsx_rows(download(response))

    assert "单位2" not in {row[0] for row in rows[1:]}
