"""Forms of the employer pages (E1). They parse; ``importing.employer_save`` validates with the
import's own rules, so a form and a file can never disagree."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.actors import Actor
from xiaokang.core.language import is_chinese
from xiaokang.employment.importing import EMPLOYER_COLUMNS
from xiaokang.employment.models import EMPLOYER_TYPE_ZH, EmployerType
from xiaokang.employment.selectors import EmployerFilters
from xiaokang.registry.forms import YES_NO_LABELS, bilingual_part, streets_for

ALL = ("", _("(all)"))
YES_NO = [("否", YES_NO_LABELS[False]), ("是", YES_NO_LABELS[True])]
COLUMN_LABELS = {
    "uscc": _("unified social credit code"),
    "name": _("employer name"),
    "type": _("type"),
    "state_owned": _("state-owned"),
    "street": _("street"),
    "committee_member": _("working-committee member unit"),
}


class EmployerFilterForm(forms.Form):
    """Search and filters of the list (nothing here is personal: it may travel in a GET query)."""

    q = forms.CharField(
        label=_("Name or credit code"),
        max_length=200,
        required=False,
        help_text=_("A part of the name, or the start of the unified social credit code."),
    )
    type = forms.ChoiceField(label=capfirst(_("type")), required=False, choices=[ALL, *EmployerType.choices])
    street = forms.ChoiceField(label=capfirst(_("street")), required=False)
    committee_member = forms.TypedChoiceField(
        label=capfirst(_("working-committee member unit")),
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
        choices=[ALL, ("yes", YES_NO_LABELS[True]), ("no", YES_NO_LABELS[False])],
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        streets = streets_for(actor)
        if len(streets) > 1:
            self.fields["street"].choices = [ALL, *((s.code, s.name) for s in streets)]
        else:  # a street officer: their own street is the only one, no filter to choose
            del self.fields["street"]

    def filters(self) -> EmployerFilters:
        data = self.cleaned_data if self.is_bound else {}
        return EmployerFilters(
            q=(data.get("q") or "").strip(),
            employer_type=data.get("type") or "",
            street=data.get("street") or "",
            committee_member=data.get("committee_member"),
        )


class EmployerForm(forms.Form):
    """One field per import column, labelled, with the allowed values as help text. Every field is
    optional here: the import rules say what is missing, in the import report's words."""

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        chinese = is_chinese()
        for column in EMPLOYER_COLUMNS:
            attrs = {"required": "required"} if column.required else {}
            if column.field == "type":
                choices = [
                    ("", _("(choose)")),
                    *((EMPLOYER_TYPE_ZH[v], label) for v, label in EmployerType.choices),
                ]
                field: forms.Field = forms.ChoiceField(choices=choices, widget=forms.Select(attrs=attrs))
            elif column.field == "street":
                choices = [("", _("(choose)")), *((s.name, s.name) for s in streets_for(actor))]
                field = forms.ChoiceField(choices=choices, widget=forms.Select(attrs=attrs))
            elif column.field in ("state_owned", "committee_member"):
                field = forms.ChoiceField(choices=YES_NO)
            else:
                if column.field == "uscc":
                    attrs.update(
                        {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
                    )
                field = forms.CharField(max_length=250, widget=forms.TextInput(attrs=attrs))
            field.required = False
            field.label = capfirst(COLUMN_LABELS[column.field])
            # A list of choices says its values itself; the import spellings (``government_organ``) are
            # for files, not for people choosing from a list (U11: words, not codes).
            if not isinstance(field, forms.ChoiceField):
                field.help_text = column.values_zh if chinese else column.values_en
            field.column_required = column.required  # "(required)" next to the label
            self.fields[column.field] = field

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}

    def add_service_errors(self, errors: list[dict]) -> None:
        chinese = is_chinese()
        for error in errors:
            field = error.get("field")
            self.add_error(
                field if field in self.fields else None, bilingual_part(error["message"], chinese=chinese)
            )
