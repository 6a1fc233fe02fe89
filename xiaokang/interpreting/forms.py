"""Forms of sign-language interpretation booking (U11). They parse and label; the services validate
(services.py), so the public form, the staff forms and any later API obey the same rules."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaokang.core.day_field import DayField
from xiaokang.interpreting.models import ContactBy, Interpreter, Purpose, RequesterKind
from xiaokang.registry.forms import mark_required


def _text(label, max_length: int, help_text="", *, rows: int | None = None, **attrs) -> forms.CharField:
    """An optional text field (the services say what is required; ``mark_required`` marks it): one line
    with the input ``attrs`` given, or a text area of ``rows`` lines."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(attrs=attrs) if attrs else None
    return forms.CharField(
        label=label, max_length=max_length, required=False, help_text=help_text, widget=widget
    )


def _radios(label, choices, **options) -> forms.ChoiceField:
    """An optional choice among radio buttons."""
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, required=False, **options
    )


class BookingForm(forms.Form):
    requester_kind = _radios(_("Who is booking"), RequesterKind.choices)
    requester_name = _text(
        _("Your name"),
        100,
        _("For an office: the name of the person the federation should contact."),
        autocomplete="name",
    )
    organisation = _text(
        _("Office or organisation"),
        200,
        _("Only when an office books for a deaf person, e.g. a hospital or a street office."),
        autocomplete="organization",
    )
    phone = _text(
        _("Mobile phone number"),
        30,
        _("The federation sends text messages to this number, e.g. 13812345678."),
        autocomplete="tel",
        inputmode="tel",
    )
    email = _text(
        _("E-mail address"),
        200,
        _("Optional, e.g. name@example.com."),
        autocomplete="email",
        inputmode="email",
    )
    contact_by = _radios(_("How should the federation reach you?"), ContactBy.choices, initial=ContactBy.SMS)
    purpose = _radios(_("What is the interpretation for?"), Purpose.choices)
    details = _text(
        _("Details"),
        2000,
        _(
            "Anything that helps the interpreter prepare: the hospital department, the office, the "
            "subject. Required for “Something else”."
        ),
        rows=4,
    )
    # One-time: the same form posted twice (a double click, Back and post) books once.
    submission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, "requester_kind", "requester_name", "phone", "purpose")
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4().hex)


class CancelOwnForm(forms.Form):
    """The requester cancels from their own page; the reason is optional."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _text(
        _("Reason (optional)"), 2000, _("It helps the federation, but you do not have to give one."), rows=3
    )


# ---------------------------------------------------------------------------------------------------
# Staff


class BookingFilterForm(forms.Form):
    """The bookings list's filters (nothing personal: they travel in the query string)."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", _("Open (requested or confirmed)")),
            ("requested", _("Requested: waiting to be confirmed")),
            ("confirmed", _("Confirmed")),
            ("cancelled", _("Cancelled")),
            ("all", _("All")),
        ],
    )
    day = DayField(
        label=_("Day"),
        required=False,
        help_text=_("Year-month-day, for example 2026-12-01; empty for every day from today."),
    )


class InterpreterForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = _text(_("Name"), 100)
    languages = _text(
        _("Sign languages"), 200, _("Shown to requesters, e.g. 中国手语 (national sign language), 北京手语.")
    )
    notes = _text(_("Notes for staff"), 2000, _("Not shown to requesters."), rows=3)
    active = forms.BooleanField(
        label=_("Available for bookings"),
        required=False,
        help_text=_("Untick to stop offering this interpreter's free slots."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, "name", "languages")


class SlotsForm(forms.Form):
    interpreter = forms.ModelChoiceField(
        label=_("Interpreter"),
        queryset=Interpreter.objects.filter(active=True),
        required=False,
        empty_label=_("(choose)"),
    )
    day = DayField(
        label=_("Day"),
        required=False,
        help_text=_("Year-month-day, for example 2026-12-01."),
        error_messages={"invalid": _("Enter the day as 2026-12-01.")},
    )
    times = _text(
        _("Times"),
        1000,
        _("One or more, separated by commas or on separate lines, e.g. 09:00-10:00, 14:00-15:30."),
        rows=3,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, "interpreter", "day", "times")
