"""The reads of the interpreting pages (interpreting/selectors.py; docs/architecture/portal-views.md):
the staff list's filters, the audited staff reading and reveal of a booking, the requester's token."""

from __future__ import annotations

import pytest
from django.http import Http404

from xiaokang.accounts.actors import SystemActor
from xiaokang.audit.models import AuditEvent
from xiaokang.interpreting import selectors
from xiaokang.interpreting.services import booking_cancel
from xiaokang.interpreting.tests.test_booking import PHONE, _book, interpreter, slots  # noqa: F401

pytestmark = pytest.mark.django_db

STAFF = SystemActor("selector tests")


def test_the_staff_list_filters_by_status_and_counts_the_upcoming(slots):  # noqa: F811
    kept = _book(slots[0])
    cancelled = _book(slots[1], phone="13900002222")
    booking_cancel(actor=STAFF, booking=cancelled, version=cancelled.version, reason="no longer needed")

    assert [b.pk for b in selectors.staff_bookings(status="open")] == [kept.pk]
    assert [b.pk for b in selectors.staff_bookings(status="cancelled")] == [cancelled.pk]
    assert {b.pk for b in selectors.staff_bookings(status="all")} == {kept.pk, cancelled.pk}
    assert selectors.upcoming_counts() == {"requested": 1, "confirmed": 0}
    assert selectors.active_bookings_by_slot(slots) == {slots[0].pk: kept}


def test_a_staff_reading_and_a_reveal_are_audited(slots):  # noqa: F811
    booking = _book(slots[0])
    selectors.booking_or_404(booking.pk)
    assert not AuditEvent.objects.filter(action="interpreting.view").exists()
    selectors.booking_or_404(booking.pk, viewer=STAFF)
    assert AuditEvent.objects.filter(action="interpreting.view", object_id=booking.reference).exists()

    revealed = selectors.booking_contact_reveal(actor=STAFF, booking=booking)
    assert revealed == {"phone": PHONE, "email": ""}
    event = AuditEvent.objects.get(action="interpreting.reveal")
    assert event.object_id == booking.reference and PHONE not in str(event.details)


def test_the_requesters_page_is_found_only_by_its_token(slots):  # noqa: F811
    booking = _book(slots[0])
    assert selectors.booking_by_token_or_404(booking.access_token) == booking
    for wrong in ("nope", "x" * 65):
        with pytest.raises(Http404):
            selectors.booking_by_token_or_404(wrong)
    assert selectors.free_slots_for(booking) == [slots[1], slots[2]]
    assert selectors.slot_chosen(str(slots[1].pk)) == slots[1] and selectors.slot_chosen("abc") is None
