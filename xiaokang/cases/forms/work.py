"""Forms of the roster, outreach and review pages (P3, S5, R7). They check the input's shape; who may do
what, and when, stays in the services (rosters.py, outreach.py, enrolments.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaokang.cases.forms.applications import ChineseNameSelect, day_field, past_day
from xiaokang.cases.rosters import cash_policy_ids
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.forms import area_filter_choices, mark_required

MONTH_PATTERN = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
NOTE_MAX = 200  # OutreachTask.note, Enrolment.status_reason


def cash_policy_choices() -> list[tuple[str, str]]:
    return [(policy_id, policies()[policy_id].zh) for policy_id in cash_policy_ids()]


class MonthField(forms.Field):
    """A month as text, YYYY-MM (2025-10; 2025/10 and 2025年10月 are read too): its first day."""

    default_error_messages = {
        "invalid": _("Enter a month as year-month, for example 2025-10."),
        "range": _("Enter a month between 2000-01 and 2099-12."),
    }

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"class": "short", "inputmode": "numeric", "autocomplete": "off", "maxlength": 20}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = str(value)[:40]
        match = MONTH_PATTERN.match(text)
        if match is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not 2000 <= year <= 2099:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return dt.date(year, month, 1)


class RosterFilterForm(forms.Form):
    """The rosters page: which month, and one cash policy or all of them (GET)."""

    month = MonthField(
        label=_("Month"),
        required=False,
        help_text=_("Year-month, for example 2025-10."),
    )
    policy = forms.ChoiceField(label=_("Policy"), required=False, widget=ChineseNameSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = [("", _("All cash benefits")), *cash_policy_choices()]


class RosterBuildForm(forms.Form):
    """Build (or build again) the draft roster of one cash policy for one month."""

    policy = forms.ChoiceField()
    month = MonthField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = cash_policy_choices()


class RosterApproveForm(forms.Form):
    """Approve the draft as it was shown: ``built`` is when the draft the officer read was built."""

    built = forms.CharField(max_length=64)


class OutreachFilterForm(forms.Form):
    """The outreach list's filters (P3, core.listing): street, community (the actor's area only,
    registry.forms.area_filter_choices) and the cash policy of the task."""

    street = forms.ChoiceField(label=_("Street or town"), required=False)
    community = forms.ChoiceField(label=_("Community or village"), required=False)
    policy = forms.ChoiceField(label=_("Policy"), required=False, widget=ChineseNameSelect)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        area_filter_choices(self, actor, blank=_("All areas"))
        self.fields["policy"].choices = [("", _("All policies")), *cash_policy_choices()]


class OutreachAnswerForm(forms.Form):
    """A community worker's answer to one outreach task."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[
            ("applied", _("Applied: record an application on the person's behalf")),
            ("declined", _("Declined: the person does not want to apply")),
            ("unreachable", _("Unreachable: the person could not be contacted")),
        ],
        error_messages={"required": _("Choose the outcome.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        strip=True,
        help_text=_("Optional: how you reached the person and what they said."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewDecisionForm(forms.Form):
    """A street officer's decision on a suspended enrolment. Stopping a benefit needs a reason: it is
    what the person is told and what an appeal is judged on."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("reinstate", _("Reinstate: pay again from the next roster")),
            ("terminate", _("Terminate: stop the benefit")),
        ],
        error_messages={"required": _("Choose the decision.")},
    )
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=NOTE_MAX,
        strip=True,
        help_text=_("Required to terminate, optional to reinstate. It is recorded with the enrolment."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "terminate" and not data.get("note"):
            self.add_error(
                "note", forms.ValidationError(_("Enter the reason for stopping the benefit."), "required")
            )
        return data


class TemporaryGrantForm(forms.Form):
    """Temporary assistance granted on the spot (S3): the amount, the emergency, and the day of the
    approval. The limit, the person's eligibility and the deadlines are the service's (temporary.py).
    ``submission_token`` is a one-time key made when the form was shown: posting the same form twice
    records one grant."""

    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("In yuan, at most two decimals, for example 1500 or 1500.50. At most the limit above."),
        widget=forms.TextInput(attrs={"class": "short", "inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": _("Enter the amount.")},
    )
    reason = forms.CharField(
        label=_("The emergency"),
        max_length=2000,
        strip=True,
        help_text=_(
            "What happened and why the person needs help now: a sudden event, an accident, a serious "
            "illness. It is recorded with the grant and shown to the district's reviewer."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the emergency.")},
    )
    received_on = day_field(
        _("Approved on"),
        _(
            "The day you approved and paid it, year-month-day, for example 2025-06-30. Not in the future: "
            "the deadlines for the documents and the district's review count from it."
        ),
    )
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        mark_required(self, "amount", "reason", "received_on")

    def clean_received_on(self) -> dt.date:
        return past_day(
            self.cleaned_data["received_on"], _("The day of the approval cannot be in the future.")
        )


class TemporaryReviewForm(forms.Form):
    """The district's review of a temporary-assistance grant, decided on the version the officer read."""

    decision = forms.ChoiceField(
        label=_("Review"),
        widget=forms.RadioSelect,
        choices=[
            ("confirm", _("Confirm the grant")),
            ("reject", _("Reject it (the reason is required)")),
        ],
        error_messages={"required": _("Choose confirm or reject.")},
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=2000, strip=True)
