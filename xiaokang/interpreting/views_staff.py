"""Staff pages of sign-language interpretation booking (U11; docs/interpreting.md):

- ``/staff/interpreting/``: the bookings, filtered by status and day, the nearest first;
- ``/staff/interpreting/bookings/<id>/``: one booking with its actions as forms (confirm with the meeting
  details, move to another free slot, cancel with a reason), each posting to its own endpoint with the
  version read (a stale form is refused: 409, nothing applied); the phone is masked, shown in full
  only on a POST that is audited (``interpreting.reveal``);
- ``/staff/interpreting/interpreters/``: the interpreters, added and edited;
- ``/staff/interpreting/slots/``: the upcoming slots, added for one interpreter and day, withdrawn.

For the federation's district staff (capability ``interpreting.manage``); every other role gets 403,
audited (``core.capabilities.requires``). Every page is ``no-store``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.accounts.forms import client_address
from xiaokang.audit.services import log_action
from xiaokang.core.capabilities import requires
from xiaokang.core.crypto import decrypt
from xiaokang.core.errors import add_to_form
from xiaokang.core.ids import safe_id
from xiaokang.core.language import in_page_language
from xiaokang.interpreting.forms import BookingFilterForm, InterpreterForm, SlotsForm
from xiaokang.interpreting.models import ACTIVE_STATUSES, Booking, Interpreter, Slot, Status
from xiaokang.interpreting.services import (
    InterpretingError,
    bookable_slots,
    booking_cancel,
    booking_confirm,
    booking_reassign,
    interpreter_save,
    parse_times,
    slot_withdraw,
    slots_add,
)
from xiaokang.registry.views_persons import _see_other

staff_required = requires("interpreting.manage")
PAGE_SIZE = 50

# ---------------------------------------------------------------------------------------------------
# Bookings


@require_GET
@staff_required
def booking_list(request):
    form = BookingFilterForm(request.GET or None)
    status, day = "open", None
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or "open"
        day = form.cleaned_data["day"]
    bookings = Booking.objects.select_related("slot", "slot__interpreter")
    if status == "open":
        bookings = bookings.filter(status__in=ACTIVE_STATUSES)
    elif status in Status.values:
        bookings = bookings.filter(status=status)
    if day:
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        bookings = bookings.filter(
            slot__starts_at__gte=start, slot__starts_at__lt=start + dt.timedelta(days=1)
        )
    elif status in ("open", "requested", "confirmed"):
        # From today on: what is still to be done (a past day is chosen with the day filter).
        today = dt.datetime.combine(timezone.localdate(), dt.time(), tzinfo=timezone.get_current_timezone())
        bookings = bookings.filter(slot__starts_at__gte=today)
    bookings = bookings.order_by("slot__starts_at", "id")
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {name: request.GET[name] for name in ("status", "day") if request.GET.get(name)}
    counts = Booking.objects.filter(slot__starts_at__gte=timezone.now()).aggregate(
        requested=Count("id", filter=Q(status=Status.REQUESTED)),
        confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
    )
    return render(
        request,
        "interpreting/staff/list.html",
        {
            "filter_form": form if form.is_bound else BookingFilterForm(initial={"status": "open"}),
            "page": page,
            "query": urlencode(query),
            "counts": counts,
            "status_filter": status,
        },
    )


def _booking(pk: int) -> Booking:
    return get_object_or_404(Booking.objects.select_related("slot", "slot__interpreter"), pk=pk)


def _render_detail(request, booking: Booking, *, status: int = 200, problem=None, typed=None, revealed=None):
    free = []
    if booking.status != Status.CANCELLED:
        free = list(bookable_slots().exclude(pk=booking.slot_id)[:500])
    return render(
        request,
        "interpreting/staff/detail.html",
        {
            "booking": booking,
            "free_slots": free,
            "problem": problem or {},
            "typed": typed or {},
            "revealed": revealed,
            "past": booking.slot.starts_at <= timezone.now(),
        },
        status=status,
    )


def _log_view(request, booking: Booking, **details) -> None:
    log_action(
        request.user,
        "interpreting.view",
        object_type="booking",
        object_id=booking.reference,
        details=details or None,
        client=client_address(request),
    )


@require_GET
@staff_required
def booking_detail(request, pk: int):
    booking = _booking(pk)
    _log_view(request, booking)
    return _render_detail(request, booking)


@require_POST
@staff_required
def booking_reveal(request, pk: int):
    """The full phone number (and e-mail) to contact the requester: a POST, audited, never cached."""
    booking = _booking(pk)
    log_action(
        request.user,
        "interpreting.reveal",
        object_type="booking",
        object_id=booking.reference,
        client=client_address(request),
    )
    revealed = {
        "phone": decrypt(booking.phone_encrypted),
        "email": decrypt(booking.email_encrypted) if booking.email_encrypted else "",
    }
    return _render_detail(request, booking, revealed=revealed)


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _refused(request, booking: Booking, error: InterpretingError, *, action: str, typed: dict):
    booking.refresh_from_db()
    status = error.status  # 409 for stale and taken, else 422 (core.errors.STATUS)
    problem = {
        "action": action,
        "field": error.field,
        "key": f"{action}-{error.field}" if error.field else "",
        "message": in_page_language(error.message),
        "stale": error.kind == "stale",
    }
    return _render_detail(request, booking, status=status, problem=problem, typed=typed)


def _act(request, pk: int, action: str, call, typed: dict, done: str):
    booking = _booking(pk)
    version = _version(request)
    if version is None:
        error = InterpretingError("stale", "页面已过期 / The form was out of date: nothing was changed.")
        return _refused(request, booking, error, action=action, typed=typed)
    try:
        booking = call(booking, version)
    except InterpretingError as error:
        return _refused(request, booking, error, action=action, typed=typed)
    messages.success(request, done % {"reference": booking.reference})
    return _see_other(reverse("interpreting-booking-detail", args=[booking.pk]))


@require_POST
@staff_required
def booking_confirm_view(request, pk: int):
    details = request.POST.get("meeting_details", "")[:4000]
    return _act(
        request,
        pk,
        "confirm",
        lambda booking, version: booking_confirm(
            actor=request.user,
            booking=booking,
            version=version,
            meeting_details=details,
            client=client_address(request),
        ),
        {"meeting_details": details},
        _("Booking %(reference)s is confirmed. The requester's page shows the meeting details."),
    )


@require_POST
@staff_required
def booking_reassign_view(request, pk: int):
    details = request.POST.get("meeting_details", "")[:4000]
    slot_text = request.POST.get("slot", "")

    def call(booking, version):
        slot = None
        if slot_text.isdigit():
            slot = Slot.objects.filter(pk=safe_id(int(slot_text))).first()
        if slot is None:
            raise InterpretingError("invalid", "请选择新的时间段 / Choose the new slot.", "slot")
        return booking_reassign(
            actor=request.user,
            booking=booking,
            version=version,
            slot=slot,
            meeting_details=details,
            client=client_address(request),
        )

    return _act(
        request,
        pk,
        "reassign",
        call,
        {"reassign_details": details, "slot": slot_text},
        _("Booking %(reference)s has been moved to the new slot."),
    )


@require_POST
@staff_required
def booking_cancel_view(request, pk: int):
    reason = request.POST.get("reason", "")[:2000]
    return _act(
        request,
        pk,
        "cancel",
        lambda booking, version: booking_cancel(
            actor=request.user,
            booking=booking,
            version=version,
            reason=reason,
            client=client_address(request),
        ),
        {"reason": reason},
        _("Booking %(reference)s is cancelled; its slot is free again."),
    )


# ---------------------------------------------------------------------------------------------------
# Interpreters


@require_GET
@staff_required
def interpreter_list(request):
    now = timezone.now()
    interpreters = Interpreter.objects.annotate(
        upcoming=Count("slots", filter=Q(slots__starts_at__gt=now, slots__withdrawn=False))
    ).order_by("-active", "name", "id")
    return render(request, "interpreting/staff/interpreters.html", {"interpreters": interpreters})


def _interpreter_form(request, interpreter: Interpreter | None):
    status = 200
    if request.method == "POST":
        form = InterpreterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = interpreter_save(
                    actor=request.user,
                    interpreter=interpreter,
                    name=data["name"],
                    languages=data["languages"],
                    notes=data["notes"],
                    active=data["active"],
                    version=data["version"],
                    client=client_address(request),
                )
            except InterpretingError as error:
                add_to_form(form, error)
                status = 409 if error.kind == "stale" else 422
            else:
                messages.success(
                    request, _("The interpreter %(name)s has been saved.") % {"name": saved.name}
                )
                return _see_other(reverse("interpreting-interpreters"))
        else:
            status = 422
    elif interpreter is None:
        form = InterpreterForm(initial={"active": True})
    else:
        form = InterpreterForm(
            initial={
                "version": interpreter.version,
                "name": interpreter.name,
                "languages": interpreter.languages,
                "notes": interpreter.notes,
                "active": interpreter.active,
            }
        )
    return render(
        request,
        "interpreting/staff/interpreter_form.html",
        {"form": form, "interpreter": interpreter},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def interpreter_create(request):
    return _interpreter_form(request, None)


@require_http_methods(["GET", "POST"])
@staff_required
def interpreter_edit(request, pk: int):
    return _interpreter_form(request, get_object_or_404(Interpreter, pk=pk))


# ---------------------------------------------------------------------------------------------------
# Slots


@require_http_methods(["GET", "POST"])
@staff_required
def slot_list(request):
    status = 200
    if request.method == "POST":
        form = SlotsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["interpreter"] is None:
                    raise InterpretingError("invalid", "请选择译员 / Choose the interpreter.", "interpreter")
                if data["day"] is None:
                    raise InterpretingError(
                        "invalid", "请填写日期，如 2026-12-01 / Enter the day, e.g. 2026-12-01.", "day"
                    )
                slots = slots_add(
                    actor=request.user,
                    interpreter=data["interpreter"],
                    day=data["day"],
                    times=parse_times(data["times"]),
                    client=client_address(request),
                )
            except InterpretingError as error:
                add_to_form(form, error)
                status = 422
            else:
                messages.success(request, _("%(count)d slots have been added.") % {"count": len(slots)})
                return _see_other(reverse("interpreting-slots"))
        else:
            status = 422
    else:
        form = SlotsForm()
    today = dt.datetime.combine(timezone.localdate(), dt.time(), tzinfo=timezone.get_current_timezone())
    slots = (
        Slot.objects.filter(starts_at__gte=today)
        .select_related("interpreter")
        .annotate(active_bookings=Count("bookings", filter=Q(bookings__status__in=ACTIVE_STATUSES)))
        .order_by("starts_at", "interpreter__name", "id")
    )
    page = Paginator(slots, 100).get_page(request.GET.get("page"))
    booked = {
        b.slot_id: b
        for b in Booking.objects.filter(slot__in=[s.pk for s in page.object_list], status__in=ACTIVE_STATUSES)
    }
    rows = [{"slot": s, "booking": booked.get(s.pk)} for s in page.object_list]
    return render(
        request,
        "interpreting/staff/slots.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "has_interpreters": Interpreter.objects.filter(active=True).exists(),
        },
        status=status,
    )


@require_POST
@staff_required
def slot_withdraw_view(request, pk: int):
    slot = get_object_or_404(Slot, pk=pk)
    try:
        slot_withdraw(actor=request.user, slot=slot, client=client_address(request))
    except InterpretingError as error:
        messages.error(request, in_page_language(error.message))
    else:
        messages.success(request, _("The slot has been withdrawn: it is no longer offered."))
    return _see_other(reverse("interpreting-slots"))
