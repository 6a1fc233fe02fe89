"""The audit page's filter form (U11; GB/T 22239-2019 8.1.4.3: user, action, person, date)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaokang.core.day_field import DayField

# Readable names of the actions the apps record; an action missing here is shown by its code alone.
ACTION_LABELS = {
    "access.denied": _("Access refused"),
    "account.create": _("Account created"),
    "account.password_change": _("Own password changed"),
    "account.password_change_refused": _("Password change refused: wrong current password"),
    "account.password_set": _("Password set by the security administrator"),
    "account.unlock": _("Account unlocked"),
    "account.update": _("Account changed"),
    "api.token_refused": _("API token refused"),
    "api.token": _("API token issued"),
    "audit.verify": _("Audit chain verified"),
    "audit.view": _("Audit trail viewed"),
    "grant.approve": _("Role change approved"),
    "grant.propose": _("Role change proposed"),
    "grant.refused": _("Role change refused"),
    "grant.reject": _("Role change rejected"),
    "login.failure": _("Failed sign-in"),
    "login.locked": _("Sign-in refused: user name locked"),
    "login.success": _("Signed in"),
    # Second factor and throttling (U11).
    "login.password": _("Password accepted, second factor next"),
    "login.throttled": _("Sign-ins refused from an address: too many failures"),
    "login.flood": _("Failed sign-ins from an address (summary)"),
    "2fa.enrolled": _("Second factor set up"),
    "2fa.enrol_refused": _("Second factor not set up: wrong code"),
    "2fa.accepted": _("Second factor code accepted"),
    "2fa.refused": _("Second factor code refused"),
    "2fa.replay_refused": _("Second factor code refused: already used"),
    "2fa.recovery_used": _("Recovery code used"),
    "2fa.reset": _("Second factor reset"),
    "2fa.required": _("API token refused: second factor not set up"),
    "2fa.enrolment_code_issued": _("Enrolment code for a second factor issued"),
    "2fa.enrolment_code_accepted": _("Enrolment code accepted"),
    "2fa.enrolment_code_refused": _("Enrolment code refused"),
    "person.create": _("Person created"),
    "person.reveal": _("Full ID number shown"),
    "person.update": _("Person changed"),
    "person.view": _("Person viewed"),
    "registry.export": _("Persons exported"),
    "registry.import": _("Persons imported"),
    "registry.quality_export": _("Data-quality report downloaded"),
    "registry.seed": _("Synthetic persons added"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return f"{label} ({action})" if label else action


class AuditFilterForm(forms.Form):
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        help_text=_("Part of the user name; system jobs start with “system:”."),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.IntegerField(
        label=_("Person number"),
        required=False,
        min_value=1,
        help_text=_("The number of the person's record, as shown in the Person column."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    date_from = DayField(label=_("From (date)"), required=False)  # typed as on every form (U11)
    date_to = DayField(label=_("To (date)"), required=False)
    # The keyset of the page: not a field people fill in, carried by the "older events" link.
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, actions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, action_label(a)) for a in actions]
        self.fields["user"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
