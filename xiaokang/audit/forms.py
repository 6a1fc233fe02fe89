"""The audit page's filter form (U11; GB/T 22239-2019 8.1.4.3: user, action, person, date)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaokang.audit.actions import ACTION_LABELS, OBJECT_LABELS, action_label
from xiaokang.core.day_field import DayField

# Readable names of the actions and object types: audit/actions.py (one table, checked by a test).
__all__ = ["ACTION_LABELS", "AuditFilterForm", "action_label"]


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
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(
        label=_("Object number"),
        required=False,
        max_length=64,
        help_text=_("With an object type: the events of that one object."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_from = DayField(label=_("From (date)"), required=False)  # typed as on every form (U11)
    date_to = DayField(label=_("To (date)"), required=False)
    # The keyset of the page: not a field people fill in, carried by the "older events" link.
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, actions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # Labels, not codes (U11); sorted by what a person reads.
        actions_in_words = sorted(((a, action_label(a)) for a in actions), key=lambda choice: str(choice[1]))
        self.fields["action"].choices = [("", _("All actions")), *actions_in_words]
        types = sorted(((code, str(label)) for code, label in OBJECT_LABELS.items()), key=lambda c: c[1])
        self.fields["object_type"].choices = [("", _("All object types")), *types]
        self.fields["user"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
