"""Row ids from outside (core.ids): the ``id`` path converter and safe_id."""

import pytest
from django.urls import Resolver404, resolve

from xiaokang.core.ids import MAX_ROW_ID, safe_id


def test_an_id_that_fits_resolves_and_a_larger_one_is_no_match():
    assert resolve(f"/staff/applications/{MAX_ROW_ID}/").kwargs == {"pk": MAX_ROW_ID}
    for too_large in (MAX_ROW_ID + 1, 10**19, 10**22):
        with pytest.raises(Resolver404):
            resolve(f"/staff/applications/{too_large}/")
    with pytest.raises(Resolver404):
        resolve("/staff/applications/-1/")


@pytest.mark.django_db
def test_every_id_in_an_address_is_found_or_not_found_never_an_error(client, li_district_officer):
    client.force_login(li_district_officer)
    for url in (
        "/staff/applications/99999999999999999999999/",
        f"/staff/persons/{MAX_ROW_ID}/",
        f"/staff/interpreting/bookings/{MAX_ROW_ID + 1}/",
        f"/interpreting/slots/{10**20}/book/",
    ):
        assert client.get(url).status_code == 404, url


def test_safe_id():
    assert safe_id(5) == 5 and safe_id(MAX_ROW_ID) == MAX_ROW_ID
    assert safe_id(MAX_ROW_ID + 1) == 0 and safe_id(-3) == 0
