"""Every read of sign-language interpretation booking for its pages (U11; docs/interpreting.md): the
views parse, call one of these or a service, and render (ARCHITECTURE rule 1). Reads of a booking by
staff and the reveal of its contact details are audited here."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from xiaokang.accounts.actors import Actor
from xiaokang.audit.services import log_action
from xiaokang.core.crypto import decrypt
from xiaokang.core.ids import safe_id
from xiaokang.core.listing import Column, Listing
from xiaokang.interpreting.models import ACTIVE_STATUSES, Booking, Interpreter, Slot, Status

# How far ahead slots may be added (staff) and are offered (public page).
MAX_DAYS_AHEAD = 120


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


# ---------------------------------------------------------------------------------------------------
# Slots


def bookable_slots(now: dt.datetime | None = None):
    """Slots a requester may book: in the future (within MAX_DAYS_AHEAD), not withdrawn, of an active
    interpreter, and with no booking that is not cancelled."""
    now = now or timezone.now()
    return (
        Slot.objects.filter(
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=MAX_DAYS_AHEAD),
            withdrawn=False,
            interpreter__active=True,
        )
        .exclude(bookings__status__in=ACTIVE_STATUSES)
        .select_related("interpreter")
        .order_by("starts_at", "interpreter__name", "id")
    )


def bookable_slots_between(start: dt.datetime, end: dt.datetime):
    """The bookable slots starting in [start, end)."""
    return bookable_slots().filter(starts_at__gte=start, starts_at__lt=end)


def slot_offered(slot: Slot) -> bool:
    return bookable_slots().filter(pk=slot.pk).exists()


def slot_or_404(pk: int) -> Slot:
    return get_object_or_404(Slot.objects.select_related("interpreter"), pk=pk)


def slot_chosen(text: str) -> Slot | None:
    """The slot a form names by its id (digits), or None."""
    return Slot.objects.filter(pk=safe_id(int(text))).first() if text.isdigit() else None


def upcoming_slots():
    """The slots from today on, with their number of active bookings (``active_bookings``)."""
    return (
        Slot.objects.filter(starts_at__gte=_day_start(timezone.localdate()))
        .select_related("interpreter")
        .annotate(active_bookings=Count("bookings", filter=Q(bookings__status__in=ACTIVE_STATUSES)))
        .order_by("starts_at", "interpreter__name", "id")
    )


def active_bookings_by_slot(slots) -> dict[int, Booking]:
    """The active booking of each of ``slots`` that has one, by slot id."""
    return {
        booking.slot_id: booking
        for booking in Booking.objects.filter(slot__in=[s.pk for s in slots], status__in=ACTIVE_STATUSES)
    }


# ---------------------------------------------------------------------------------------------------
# Interpreters


def interpreters_listed():
    """Every interpreter, the active first, each with its number of upcoming offered slots (``upcoming``)."""
    now = timezone.now()
    return Interpreter.objects.annotate(
        upcoming=Count("slots", filter=Q(slots__starts_at__gt=now, slots__withdrawn=False))
    ).order_by("-active", "name", "id")


def interpreter_or_404(pk: int) -> Interpreter:
    return get_object_or_404(Interpreter, pk=pk)


def has_active_interpreters() -> bool:
    return Interpreter.objects.filter(active=True).exists()


# ---------------------------------------------------------------------------------------------------
# Bookings


def _bookings():
    return Booking.objects.select_related("slot", "slot__interpreter")


# The staff booking list's sortable columns (core.listing): the nearest time first by default.
BOOKINGS = Listing(
    name="booking",
    columns=(
        Column("reference", gettext_lazy("Reference"), ("reference",)),
        Column("time", gettext_lazy("Time"), ("slot__starts_at",)),
        Column("purpose", gettext_lazy("Purpose"), ("purpose", "slot__starts_at")),
        Column("status", gettext_lazy("Status"), ("status", "slot__starts_at")),
    ),
    default_sort="time",
)


def staff_bookings(*, status: str = "open", day: dt.date | None = None, sort: str | None = None):
    """The bookings of the staff list, the nearest first (or by the declared column ``sort`` names):
    ``status`` "open" (requested or confirmed), a status, or anything else for all; on ``day``, else
    (for what is still to be done) from today on."""
    bookings = _bookings()
    if status == "open":
        bookings = bookings.filter(status__in=ACTIVE_STATUSES)
    elif status in Status.values:
        bookings = bookings.filter(status=status)
    if day:
        start = _day_start(day)
        bookings = bookings.filter(
            slot__starts_at__gte=start, slot__starts_at__lt=start + dt.timedelta(days=1)
        )
    elif status in ("open", "requested", "confirmed"):
        # From today on: what is still to be done (a past day is chosen with the day filter).
        bookings = bookings.filter(slot__starts_at__gte=_day_start(timezone.localdate()))
    return BOOKINGS.order(bookings, sort, tie_breaker="id")


def upcoming_counts() -> dict:
    """How many upcoming bookings are requested and confirmed."""
    return Booking.objects.filter(slot__starts_at__gte=timezone.now()).aggregate(
        requested=Count("id", filter=Q(status=Status.REQUESTED)),
        confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
    )


def booking_or_404(pk: int, *, viewer: Actor | None = None) -> Booking:
    """One booking by id; with ``viewer``, the staff member's reading is audited (``interpreting.view``)."""
    booking = get_object_or_404(_bookings(), pk=pk)
    if viewer is not None:
        log_action(viewer, "interpreting.view", object_type="booking", object_id=booking.reference)
    return booking


def booking_by_token_or_404(token: str) -> Booking:
    """The requester's booking by its access token (a wrong or overlong one: 404)."""
    if len(token) > 64:
        raise Http404
    return get_object_or_404(_bookings(), access_token=token)


def free_slots_for(booking: Booking, limit: int = 500) -> list[Slot]:
    """The bookable slots a booking that is not cancelled could be moved to."""
    if booking.status == Status.CANCELLED:
        return []
    return list(bookable_slots().exclude(pk=booking.slot_id)[:limit])


def booking_contact_reveal(*, actor: Actor, booking: Booking) -> dict:
    """The full phone number (and e-mail) to contact the requester; the reveal is audited
    (``interpreting.reveal``)."""
    log_action(actor, "interpreting.reveal", object_type="booking", object_id=booking.reference)
    return {
        "phone": decrypt(booking.phone_encrypted),
        "email": decrypt(booking.email_encrypted) if booking.email_encrypted else "",
    }
