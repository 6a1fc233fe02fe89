"""Forms of sign-language interpretation booking (U11). They parse and label; the services validate
(services.py), so the public form, the staff forms and any later API obey the same rules."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaokang.interpreting.models import ContactBy, Interpreter, Purpose, RequesterKind
from xiaokang.registry.forms import mark_required


class BookingForm(forms.Form):
    requester_kind = forms.ChoiceField(
        label=_("Who is booking"),
        choices=RequesterKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    requester_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        required=False,
        help_text=_("For an office: the name of the person the federation should contact."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = forms.CharField(
        label=_("Office or organisation"),
        max_length=200,
        required=False,
        help_text=_("Only when an office books for a deaf person, e.g. a hospital or a street office."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=30,
        required=False,
        help_text=_("The federation sends text messages to this number, e.g. 13812345678."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        max_length=200,
        required=False,
        help_text=_("Optional, e.g. name@example.com."),
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    contact_by = forms.ChoiceField(
        label=_("How should the federation reach you?"),
        choices=ContactBy.choices,
        widget=forms.RadioSelect,
        initial=ContactBy.SMS,
        required=False,
    )
    purpose = forms.ChoiceField(
        label=_("What is the interpretation for?"),
        choices=Purpose.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=2000,
        required=False,
        help_text=_(
            "Anything that helps the interpreter prepare: the hospital department, the office, the "
            "subject. Required for “Something else”."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
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
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=2000,
        required=False,
        help_text=_("It helps the federation, but you do not have to give one."),
        widget=forms.Textarea(attrs={"rows": 3}),
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
    day = forms.DateField(
        label=_("Day"),
        required=False,
        help_text=_("As 2026-12-01; empty for every day from today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class InterpreterForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    languages = forms.CharField(
        label=_("Sign languages"),
        max_length=200,
        required=False,
        help_text=_("Shown to requesters, e.g. 中国手语 (national sign language), 北京手语."),
    )
    notes = forms.CharField(
        label=_("Notes for staff"),
        max_length=2000,
        required=False,
        help_text=_("Not shown to requesters."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
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
    day = forms.DateField(
        label=_("Day"),
        required=False,
        help_text=_("As 2026-12-01."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the day as 2026-12-01.")},
    )
    times = forms.CharField(
        label=_("Times"),
        max_length=1000,
        required=False,
        help_text=_("One or more, separated by commas or on separate lines, e.g. 09:00-10:00, 14:00-15:30."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, "interpreter", "day", "times")
