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

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.core.capabilities import requires
from xiaokang.core.errors import add_to_form
from xiaokang.core.language import in_page_language
from xiaokang.core.listing import EXPORT_PARAMETER, SORT_PARAMETER, xlsx_export
from xiaokang.interpreting import selectors
from xiaokang.interpreting.forms import BookingFilterForm, InterpreterForm, SlotsForm
from xiaokang.interpreting.models import Booking, Interpreter
from xiaokang.interpreting.services import (
    InterpretingError,
    booking_cancel,
    booking_confirm,
    booking_export_record,
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
    sort = request.GET.get(SORT_PARAMETER)
    bookings = selectors.staff_bookings(status=status, day=day, sort=sort)
    query = {name: request.GET[name] for name in ("status", "day") if request.GET.get(name)}
    sort_key = selectors.BOOKINGS.sort_key(sort)
    if sort_key != selectors.BOOKINGS.default_sort:
        query[SORT_PARAMETER] = sort_key
    if request.GET.get(EXPORT_PARAMETER) == "xlsx":
        return _export_bookings(request, bookings, query)
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.upcoming_counts()
    return render(
        request,
        "interpreting/staff/list.html",
        {
            "filter_form": form if form.is_bound else BookingFilterForm(initial={"status": "open"}),
            "page": page,
            "query": urlencode(query),
            "export_query": urlencode({**query, EXPORT_PARAMETER: "xlsx"}),
            "export_cap": selectors.BOOKINGS.export_cap,
            "sort": selectors.BOOKINGS.headers(query, sort),
            "counts": counts,
            "status_filter": status,
        },
    )


def _export_bookings(request, bookings, query: dict):
    """The filtered bookings as xlsx (core.listing): the requester's phone masked (the full number is
    shown one booking at a time, audited: interpreting.reveal); the export is audited."""
    header = (
        _("Reference"), _("Time"), _("Interpreter"), _("Booked by"), _("Organisation"), _("Phone"),
        _("Purpose"), _("Status"),
    )  # fmt: skip
    rows = (
        (
            booking.reference,
            timezone.localtime(booking.slot.starts_at).strftime("%Y-%m-%d %H:%M"),
            booking.slot.interpreter.name,
            booking.requester_name,
            booking.organisation,
            booking.phone_masked,
            booking.get_purpose_display(),
            booking.get_status_display(),
        )
        for booking in bookings.iterator(chunk_size=2000)
    )
    response, export = xlsx_export(
        filename=f"interpreting-bookings-{timezone.localdate().isoformat()}.xlsx",
        sheet=_("Bookings"),
        header=header,
        rows=rows,
        cap=selectors.BOOKINGS.export_cap,
        capped_note=lambda cap: (
            _("The export stops here at %(cap)s bookings: narrow the filters.") % {"cap": cap}
        ),
    )
    booking_export_record(request.user, filters=query, rows=export.rows, truncated=export.truncated)
    return response


def _render_detail(request, booking: Booking, *, status: int = 200, problem=None, typed=None, revealed=None):
    return render(
        request,
        "interpreting/staff/detail.html",
        {
            "booking": booking,
            "free_slots": selectors.free_slots_for(booking),
            "problem": problem or {},
            "typed": typed or {},
            "revealed": revealed,
            "past": booking.slot.starts_at <= timezone.now(),
        },
        status=status,
    )


@require_GET
@staff_required
def booking_detail(request, pk: int):
    booking = selectors.booking_or_404(pk, viewer=request.user)
    return _render_detail(request, booking)


@require_POST
@staff_required
def booking_reveal(request, pk: int):
    """The full phone number (and e-mail) to contact the requester: a POST, audited, never cached."""
    booking = selectors.booking_or_404(pk)
    revealed = selectors.booking_contact_reveal(actor=request.user, booking=booking)
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
    booking = selectors.booking_or_404(pk)
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


def _step(action: str, service, field: str, max_length: int, done):
    """The view of a booking step that takes one text (confirm: the meeting details; cancel: the
    reason): ``service(actor=, booking=, version=, <field>=)`` through ``_act``."""

    @require_POST
    @staff_required
    def view(request, pk: int):
        value = request.POST.get(field, "")[:max_length]
        return _act(
            request,
            pk,
            action,
            lambda booking, version: service(
                actor=request.user, booking=booking, version=version, **{field: value}
            ),
            {field: value},
            str(done),
        )

    view.__name__ = view.__qualname__ = f"booking_{action}_view"
    return view


booking_confirm_view = _step(
    "confirm",
    booking_confirm,
    "meeting_details",
    4000,
    gettext_lazy("Booking %(reference)s is confirmed. The requester's page shows the meeting details."),
)
booking_cancel_view = _step(
    "cancel",
    booking_cancel,
    "reason",
    2000,
    gettext_lazy("Booking %(reference)s is cancelled; its slot is free again."),
)


@require_POST
@staff_required
def booking_reassign_view(request, pk: int):
    details = request.POST.get("meeting_details", "")[:4000]
    slot_text = request.POST.get("slot", "")

    def call(booking, version):
        slot = selectors.slot_chosen(slot_text)
        if slot is None:
            raise InterpretingError("invalid", "请选择新的时间段 / Choose the new slot.", "slot")
        return booking_reassign(
            actor=request.user, booking=booking, version=version, slot=slot, meeting_details=details
        )

    return _act(
        request,
        pk,
        "reassign",
        call,
        {"reassign_details": details, "slot": slot_text},
        _("Booking %(reference)s has been moved to the new slot."),
    )


# ---------------------------------------------------------------------------------------------------
# Interpreters


@require_GET
@staff_required
def interpreter_list(request):
    interpreters = selectors.interpreters_listed()
    return render(request, "interpreting/staff/interpreters.html", {"interpreters": interpreters})


def _save(request, form, call, *, done_url: str):
    """A staff form posted: for a valid one, ``call(cleaned_data)`` (a service call) and its success
    message, then 303 to ``done_url``; a refusal goes next to its field (409 for a stale version, else
    422). Returns the redirect or None, and the status to render the form with."""
    if not form.is_valid():
        return None, 422
    try:
        done = call(form.cleaned_data)
    except InterpretingError as error:
        add_to_form(form, error)
        return None, 409 if error.kind == "stale" else 422
    messages.success(request, done)
    return _see_other(done_url), 200


def _interpreter_form(request, interpreter: Interpreter | None):
    status = 200
    if request.method == "POST":
        form = InterpreterForm(request.POST)

        def call(data):
            fields = ("name", "languages", "notes", "active", "version")
            saved = interpreter_save(
                actor=request.user, interpreter=interpreter, **{name: data[name] for name in fields}
            )
            return _("The interpreter %(name)s has been saved.") % {"name": saved.name}

        saved, status = _save(request, form, call, done_url=reverse("interpreting-interpreters"))
        if saved:
            return saved
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
    return _interpreter_form(request, selectors.interpreter_or_404(pk))


# ---------------------------------------------------------------------------------------------------
# Slots


@require_http_methods(["GET", "POST"])
@staff_required
def slot_list(request):
    status = 200
    if request.method == "POST":
        form = SlotsForm(request.POST)

        def call(data):
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
            )
            return _("%(count)d slots have been added.") % {"count": len(slots)}

        saved, status = _save(request, form, call, done_url=reverse("interpreting-slots"))
        if saved:
            return saved
    else:
        form = SlotsForm()
    slots = selectors.upcoming_slots()
    page = Paginator(slots, 100).get_page(request.GET.get("page"))
    booked = selectors.active_bookings_by_slot(page.object_list)
    rows = [{"slot": s, "booking": booked.get(s.pk)} for s in page.object_list]
    return render(
        request,
        "interpreting/staff/slots.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "has_interpreters": selectors.has_active_interpreters(),
        },
        status=status,
    )


@require_POST
@staff_required
def slot_withdraw_view(request, pk: int):
    slot = selectors.slot_or_404(pk)
    try:
        slot_withdraw(actor=request.user, slot=slot)
    except InterpretingError as error:
        messages.error(request, in_page_language(error.message))
    else:
        messages.success(request, _("The slot has been withdrawn: it is no longer offered."))
    return _see_other(reverse("interpreting-slots"))
