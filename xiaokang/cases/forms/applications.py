"""Forms of the application pages (S4): the queue's filters, a counter or outreach
application, and one transition. They check the input's shape; the workflow's rules (states, roles,
reasons, deadlines, one open application per person and policy) stay in services.py."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaokang.cases.models import Channel, State
from xiaokang.cases.selectors import (  # the queue's state filter ("": the states still being handled)
    ALL,
    OPEN,
)
from xiaokang.cases.services import TEMPORARY_POLICY_ID
from xiaokang.cases.workflow import ACTIONS
from xiaokang.core.day_field import DayField
from xiaokang.policies.engine.loader import person_policies
from xiaokang.registry.forms import area_filter_choices


def day_field(label, help_text) -> forms.DateField:
    """A day typed as year-month-day, as on every form (core.day_field)."""
    return DayField(label=label, help_text=help_text)


def past_day(value: dt.date, future_message) -> dt.date:
    """``value`` if it is not in the future (``future_message`` otherwise) and not before 2000."""
    if value > timezone.localdate():
        raise forms.ValidationError(future_message, code="future")
    if value.year < 2000:
        raise forms.ValidationError(_("Enter a date after 2000."), code="too_early")
    return value


class ChineseNameSelect(forms.Select):
    """A select whose options are Chinese names (policies): each option says so, so that a screen reader
    on an English page reads it with a Chinese voice."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["lang"] = "zh-Hans"
        return option


def policy_choices(blank_label, *, applied_for: bool = False) -> list[tuple[str, str]]:
    """The person policies; ``applied_for``: only those one applies for (temporary assistance is granted
    on the spot by a street officer instead, temporary.py)."""
    return [("", blank_label)] + [
        (policy.id, policy.zh)
        for policy in person_policies()
        if not (applied_for and policy.id == TEMPORARY_POLICY_ID)
    ]


# The deadline filter of the queue (S4): every application, those past a running deadline, those due
# within DUE_SOON working days.
DEADLINE_CHOICES = (("", _("Any deadline")), ("overdue", _("Past the deadline")), ("due_soon", _("Due soon")))


class QueueFilterForm(forms.Form):
    """The queue's filters (S4, core.listing): state, policy, street, community, deadline. Street and
    community offer the areas of the actor's scope only (registry.forms.area_filter_choices)."""

    state = forms.ChoiceField(label=_("State"), required=False)
    policy = forms.ChoiceField(label=_("Policy"), required=False, widget=ChineseNameSelect)
    street = forms.ChoiceField(label=_("Street or town"), required=False)
    community = forms.ChoiceField(label=_("Community or village"), required=False)
    deadline = forms.ChoiceField(label=_("Deadline"), required=False, choices=DEADLINE_CHOICES)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [
            (OPEN, _("Still being handled")),
            (ALL, _("All states")),
            *State.choices,
        ]
        self.fields["policy"].choices = policy_choices(_("All policies"))
        area_filter_choices(self, actor, blank=_("All areas"))


class ApplicationForm(forms.Form):
    """An application recorded by staff: at the counter (the paper application's date) or for a person
    they reached out to. ``submission_token`` is a one-time key made when the form was shown: posting
    the same form twice (a double click, Back and post again) records one application."""

    policy = forms.ChoiceField(label=_("Policy"), widget=ChineseNameSelect)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            (Channel.COUNTER.value, Channel.COUNTER.label),
            (Channel.OUTREACH.value, Channel.OUTREACH.label),
        ],
        help_text=_(
            "Counter: the person or their family handed in a paper application. Outreach: staff "
            "applied on the person's behalf after contacting them."
        ),
        initial=Channel.COUNTER.value,
    )
    received_on = day_field(
        _("Received on"),
        _("The day the application was received, year-month-day, for example 2025-06-30. Not in the future."),
    )
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = policy_choices(_("Choose a policy"), applied_for=True)
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self) -> dt.date:
        return past_day(self.cleaned_data["received_on"], _("The day received cannot be in the future."))


class TransitionForm(forms.Form):
    """One action on one application, decided on the version the officer read."""

    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = forms.CharField(required=False, max_length=2000, strip=True)
    # Approving with a required document missing (S4, G2): explicit, with its reason (the service checks).
    override = forms.BooleanField(required=False)
    override_reason = forms.CharField(required=False, max_length=2000, strip=True)
