"""Public pages of sign-language interpretation booking (手语翻译远程服务; U11). No login:

- ``/interpreting/``: what the service is and the free times, grouped by day, each with "Book this time";
- ``/interpreting/slots/<id>/book/``: the booking form (works without JavaScript; errors next to fields);
- ``/interpreting/bookings/<token>/``: the requester's own page (reference, time, status in words, the
  meeting details once confirmed) with a cancel form. The token is random and unguessable; a wrong one
  is 404. The page is never cached and asks search engines not to index it.

Views parse, call one service and render (ARCHITECTURE rule 1); the public actor is a ``SystemActor``
that names the page, so the audit trail shows what came from the public site."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from xiaokang.accounts.actors import SystemActor
from xiaokang.accounts.forms import client_address
from xiaokang.core.errors import add_to_form
from xiaokang.core.language import in_page_language
from xiaokang.interpreting import selectors
from xiaokang.interpreting.forms import BookingForm, CancelOwnForm
from xiaokang.interpreting.models import Status
from xiaokang.interpreting.services import (
    MAX_DAYS_AHEAD,
    InterpretingError,
    booking_cancel,
    booking_create,
)
from xiaokang.registry.views_persons import _see_other

PUBLIC_ACTOR = SystemActor("portal interpreting booking")
REQUESTER_ACTOR = SystemActor("portal interpreting requester")
# The public list shows one week at a time (``?week=1`` the next …), so the page stays small however many
# interpreters and times the federation offers (U11: every page under 150 KB).
DAYS_SHOWN = 7


WEEKS_SHOWN = -(-MAX_DAYS_AHEAD // DAYS_SHOWN)  # the weeks one may page through


@require_GET
def booking_start(request):
    """What the service is, and the free times of one week grouped by day (``?week=N``: N weeks on)."""
    raw = request.GET.get("week", "0")
    week = int(raw) if raw.isdigit() and int(raw) < WEEKS_SHOWN else 0
    first = timezone.localdate() + dt.timedelta(days=DAYS_SHOWN * week)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    slots = selectors.bookable_slots_between(start, start + dt.timedelta(days=DAYS_SHOWN))
    days = [
        {"day": day, "slots": list(group)}
        for day, group in itertools.groupby(slots, key=lambda s: timezone.localtime(s.starts_at).date())
    ]
    context = {
        "days": days,
        "first": first,
        "last": first + dt.timedelta(days=DAYS_SHOWN - 1),
        "previous_week": week - 1 if week > 0 else None,
        "next_week": week + 1 if week + 1 < WEEKS_SHOWN else None,
    }
    return render(request, "interpreting/start.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def booking_new(request, slot_id: int):
    slot = selectors.slot_or_404(slot_id)
    status = 200
    taken = False
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = booking_create(
                    actor=PUBLIC_ACTOR,
                    slot=slot,
                    requester_kind=data["requester_kind"],
                    requester_name=data["requester_name"],
                    organisation=data["organisation"],
                    phone=data["phone"],
                    email=data["email"],
                    contact_by=data["contact_by"] or "sms",
                    purpose=data["purpose"],
                    details=data["details"],
                    submission_key=data["submission_token"],
                    sender_address=client_address(request),
                )
            except InterpretingError as error:
                taken = error.kind == "taken"
                add_to_form(form, error)
                status = 409 if taken else 429 if error.kind == "limit" and not error.field else 422
            else:
                messages.success(
                    request,
                    _("Your booking %(reference)s has been received.") % {"reference": booking.reference},
                )
                return _see_other(reverse("interpreting-booking", args=[booking.access_token]))
        else:
            status = 422
    else:
        form = BookingForm()
        taken = not selectors.slot_offered(slot)
    return render(
        request,
        "interpreting/book.html",
        {"form": form, "slot": slot, "taken": taken},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def booking_page(request, token: str):
    """The requester's own page: the booking as it stands, and the cancel form."""
    booking = selectors.booking_by_token_or_404(token)
    form = CancelOwnForm(initial={"version": booking.version})
    problem = ""
    status = 200
    if request.method == "POST":
        form = CancelOwnForm(request.POST)
        if form.is_valid():
            try:
                booking_cancel(
                    actor=REQUESTER_ACTOR,
                    booking=booking,
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                    by_requester=True,
                )
            except InterpretingError as error:
                problem = in_page_language(error.message)
                status = 409
                booking.refresh_from_db()
                form = CancelOwnForm(initial={"version": booking.version})
            else:
                messages.success(request, _("Your booking has been cancelled. The time is free for others."))
                return _see_other(request.path)
        else:
            problem = _("The page was out of date. Nothing was changed: check the booking and try again.")
            status = 422
            form = CancelOwnForm(initial={"version": booking.version})
    can_cancel = booking.status != Status.CANCELLED and booking.slot.starts_at > timezone.now()
    response = render(
        request,
        "interpreting/booking.html",
        {
            "booking": booking,
            "form": form,
            "problem": problem,
            "can_cancel": can_cancel,
            "page_url": request.build_absolute_uri(request.path),
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response
