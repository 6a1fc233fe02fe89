"""Forms of the person pages (R1–R4, U11). They parse what a person typed and hand it to one selector or
service; they validate nothing the import rules already validate (``services.person_save`` applies the
import's rules to a form exactly as to a spreadsheet row), so a form and a file can never disagree.

Privacy: the ID-number and certificate-number search is a POST form (``PersonNumberSearchForm``), never a
query string; the edit form never renders the full ID number (it shows the masked one and takes only the
certificate number's own digits) nor the full phone number (a new number replaces it, an empty field
keeps it)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.core.bilingual import Message
from xiaokang.core.day_field import DAY_HINT, DayField, DayInput
from xiaokang.core.language import in_page_language, is_chinese
from xiaokang.core.models import Area, AreaLevel
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.search import PersonFilters
from xiaokang.registry.vocabulary import (
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    GRADE_ZH,
    HUKOU_ZH,
    RELATION_ZH,
    STATUS_ZH,
    Category,
    EconomicStatus,
    Employment,
    Hukou,
    PersonStatus,
    Relation,
)

# The label of each import column: an English msgid whose Chinese translation is the column's header
# (most are the model fields' own msgids, already in the catalogue).
COLUMN_LABELS = {
    "name": _("name"),
    "id_number": _("ID number"),
    "certificate_number": _("disability certificate number"),
    "category": _("category"),
    "multiple_categories": _("component categories"),
    "grade": _("grade"),
    "certificate_issued": _("issued on"),
    "hukou": _("household registration"),
    "street": _("street or town"),
    "community": _("community or village"),
    "household": _("household key"),
    "relation": _("relation to head"),
    "economic_status": _("economic status"),
    "family_planning_hardship": _("family-planning special hardship"),
    "dangerous_house": _("dangerous house"),
    "employment": _("employment"),
    "self_care": _("able to care for themselves"),
    "work_injury_care": _("receives the work-injury care allowance"),
    "phone": _("phone"),
    "address": _("address"),
    "status": _("status"),
}

# Grades are named 一级 … 四级 in Chinese (GRADE_ZH); one msgid each so that English reads "grade 1".
GRADE_LABELS = {1: _("grade 1"), 2: _("grade 2"), 3: _("grade 3"), 4: _("grade 4")}
YES_NO_LABELS = {True: _("Yes"), False: _("No")}  # Django's own catalogue translates these
SELF_CARE_LABELS = {True: _("able"), False: _("unable")}

_BLANK = ("", _("(choose)"))


def mark_required(form: forms.Form, *names: str) -> None:
    """Show "(required)" after these fields' labels (registry/persons/_field.html, _choice_group.html)
    while the fields themselves stay optional to Django: the page's forms are ``novalidate`` and the
    server's own messages, in the page's language, say what is missing."""
    for name in names:
        form.fields[name].column_required = True


def add_service_error(form: forms.Form, field: str | None, message: str) -> None:
    """A service's refusal on the form it came from: next to ``field`` when the form has that field,
    otherwise at the top; a "中文 / English" message in the page's language."""
    form.add_error(field if field in form.fields else None, in_page_language(message))


def _vocabulary(zh: dict, choices) -> list[tuple[str, str]]:
    """Options whose value is the import's Chinese label and whose text is the page's language."""
    return [_BLANK, *((zh[value], label) for value, label in choices)]


# Import column → options (value as the import accepts it, text in the page's language).
COLUMN_CHOICES: dict[str, list[tuple[str, str]]] = {
    "category": _vocabulary(CATEGORY_ZH, Category.choices),
    "grade": [_BLANK, *((GRADE_ZH[n], label) for n, label in GRADE_LABELS.items())],
    "hukou": _vocabulary(HUKOU_ZH, Hukou.choices),
    "relation": _vocabulary(RELATION_ZH, Relation.choices),
    "economic_status": _vocabulary(ECONOMIC_STATUS_ZH, EconomicStatus.choices),
    "family_planning_hardship": [("否", YES_NO_LABELS[False]), ("是", YES_NO_LABELS[True])],
    "dangerous_house": [("否", YES_NO_LABELS[False]), ("是", YES_NO_LABELS[True])],
    "employment": _vocabulary(EMPLOYMENT_ZH, Employment.choices),
    "self_care": [("能", SELF_CARE_LABELS[True]), ("不能", SELF_CARE_LABELS[False])],
    "work_injury_care": [("否", YES_NO_LABELS[False]), ("是", YES_NO_LABELS[True])],
    "status": _vocabulary(STATUS_ZH, PersonStatus.choices),
}

# Browser autofill and spell-checking would only get in the way of identifiers.
_IDENTIFIER_ATTRS = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}


def streets_for(actor: Actor) -> list[Area]:
    """The streets an actor may choose: all 29 for district roles, their own for a street officer or a
    community worker (areas are public reference data; the persons are scoped by the service)."""
    scope = scope_of(actor)
    streets = Area.objects.filter(level=AreaLevel.STREET)
    if scope.kind == "street":
        return list(streets.filter(pk=scope.area_id))
    if scope.kind == "community":
        return list(streets.filter(children__pk=scope.area_id))
    return list(streets)


def communities_for(actor: Actor, street_code: str = "") -> list[Area]:
    scope = scope_of(actor)
    communities = Area.objects.filter(level=AreaLevel.COMMUNITY).select_related("parent")
    if scope.kind == "street":
        communities = communities.filter(parent_id=scope.area_id)
    elif scope.kind == "community":
        communities = communities.filter(pk=scope.area_id)
    if street_code:
        communities = communities.filter(parent__code=street_code)
    return list(communities.order_by("parent__code", "code"))


def area_filter_choices(form: forms.Form, actor: Actor, *, blank=None) -> None:
    """The choices of a list filter's ``street`` and ``community`` fields (core.listing): the areas of
    the actor's scope only. The rows stay scoped by the list's selector whatever the address says (a
    street outside the scope is not a choice: the form refuses it, and the selector would find nothing).
    District-wide, the communities are grouped under their streets, so that a screen reader announces
    the street of each (and two communities with one name stay distinguishable)."""
    blank = blank if blank is not None else _("(all)")
    streets = streets_for(actor)
    form.fields["street"].choices = [("", blank), *((s.code, s.name) for s in streets)]
    chosen = (form.data.get("street") or "") if form.is_bound else ""
    communities = communities_for(actor, chosen if any(s.code == chosen for s in streets) else "")
    if len(streets) > 1 and not chosen:
        groups: dict[str, list[tuple[str, str]]] = {}
        for area in communities:
            groups.setdefault(area.parent.name, []).append((area.code, area.name))
        choices = [("", blank), *groups.items()]
    else:
        choices = [("", blank), *((c.code, c.name) for c in communities)]
    form.fields["community"].choices = choices


# ---------------------------------------------------------------------------------------------------
# Finding persons


class PersonFilterForm(forms.Form):
    """Name prefix and filters: nothing here is an identifier, so it may travel in a GET query."""

    name = forms.CharField(label=_("Name begins with"), max_length=50, required=False)
    street = forms.ChoiceField(label=capfirst(_("street or town")), required=False)
    community = forms.ChoiceField(label=capfirst(_("community or village")), required=False)
    category = forms.ChoiceField(
        label=capfirst(_("category")), required=False, choices=[("", _("(all)")), *Category.choices]
    )
    grade = forms.TypedChoiceField(
        label=capfirst(_("grade")),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("(all)")), *((str(n), label) for n, label in GRADE_LABELS.items())],
    )
    economic_status = forms.ChoiceField(
        label=capfirst(_("economic status")),
        required=False,
        choices=[("", _("(all)")), *EconomicStatus.choices],
    )
    status = forms.ChoiceField(
        label=capfirst(_("status")), required=False, choices=[("", _("(all)")), *PersonStatus.choices]
    )
    # Keyset pagination: the last id of the previous page.
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        area_filter_choices(self, actor)

    def filters(self) -> PersonFilters:
        data = self.cleaned_data
        return PersonFilters(
            name=data["name"].strip(),
            street=data["street"],
            community=data["community"],
            category=data["category"],
            grade=data["grade"],
            economic_status=data["economic_status"],
            status=data["status"],
        )


class PersonNumberSearchForm(forms.Form):
    """An exact search by ID number or certificate number. Always POSTed (with the CSRF token) and never
    redirected into a query string: identifiers must not reach URLs, browser history or access logs."""

    id_number = forms.CharField(
        label=capfirst(_("ID number")),
        max_length=18,
        required=False,
        help_text=_("All 18 characters; the last may be X."),
        widget=forms.TextInput(attrs=_IDENTIFIER_ATTRS),
    )
    certificate_number = forms.CharField(
        label=capfirst(_("disability certificate number")),
        max_length=22,
        required=False,
        help_text=_("20 characters, or 22 with a B1–B9 suffix."),
        widget=forms.TextInput(attrs=_IDENTIFIER_ATTRS),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("id_number") or "").strip() and not (data.get("certificate_number") or "").strip():
            raise forms.ValidationError(
                _("Enter an ID number or a disability certificate number."), code="empty"
            )
        return data

    def filters(self) -> PersonFilters:
        return PersonFilters(
            id_number=self.cleaned_data["id_number"].strip(),
            certificate_number=self.cleaned_data["certificate_number"].strip().upper(),
        )


class AsOfForm(forms.Form):
    # A text field, not type=date (core.day_field says why).
    as_of = DayField(label=_("Date"), help_text=_("Year-month-day, for example 2024-06-30."))

    def clean_as_of(self) -> dt.date:
        value = self.cleaned_data["as_of"]
        if value.year < 1900:
            raise forms.ValidationError(_("Enter a date after 1900."), code="too_early")
        return value


# ---------------------------------------------------------------------------------------------------
# Registering and editing a person


FIELD_GROUPS = (
    (
        _("Person and certificate"),
        (
            "name",
            "id_number",
            "certificate_number",
            "category",
            "multiple_categories",
            "grade",
            "certificate_issued",
        ),
    ),
    (
        _("Residence and household"),
        (
            "hukou",
            "street",
            "community",
            "household",
            "relation",
            "economic_status",
            "family_planning_hardship",
            "dangerous_house",
        ),
    ),
    (
        _("Situation and contact"),
        ("employment", "self_care", "work_injury_care", "phone", "address", "status"),
    ),
)
assert {n for _legend, names in FIELD_GROUPS for n in names} == {c.field for c in PERSON_COLUMNS}


class PersonForm(forms.Form):
    """One field per import column (``PERSON_COLUMNS``), labelled with the column's name and the allowed
    values as help text. Every field is optional here: the import rules, applied by
    ``services.person_save``, say what is missing, in the same words as an import report.

    ``editing``: the ID number cannot be changed, so it is not a field (the page shows it masked), the
    certificate-number field takes only what follows the ID number, and the phone field starts empty
    (the page shows the masked number; empty keeps it, ``remove_phone`` clears it)."""

    def __init__(
        self,
        *args,
        actor: Actor,
        editing: bool = False,
        id_masked: str = "",
        phone_masked: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.editing = editing
        chinese = is_chinese()
        for column in PERSON_COLUMNS:
            if editing and column.field == "id_number":
                continue
            label = capfirst(COLUMN_LABELS[column.field])
            help_text = column.values_zh if chinese else column.values_en
            attrs: dict[str, str] = {}
            if column.required:
                attrs["required"] = "required"
            if column.field == "street":
                choices = [_BLANK, *((s.name, s.name) for s in streets_for(actor))]
                field: forms.Field = forms.ChoiceField(choices=choices, widget=forms.Select(attrs=attrs))
            elif column.field in COLUMN_CHOICES:
                field = forms.ChoiceField(
                    choices=COLUMN_CHOICES[column.field], widget=forms.Select(attrs=attrs)
                )
            else:
                if column.field in ("id_number", "certificate_number", "certificate_issued"):
                    attrs.update(_IDENTIFIER_ATTRS)
                if column.field == "certificate_issued":
                    attrs["inputmode"] = "numeric"
                if column.field == "phone":
                    attrs.update({"inputmode": "tel", "autocomplete": "off"})
                # The issue date is typed as every date is (core.day_field), kept as text: the import
                # rules read it, and say what is wrong in the import report's words.
                widget = DayInput(attrs) if column.field == "certificate_issued" else forms.TextInput(attrs)
                field = forms.CharField(max_length=200, widget=widget, strip=True)
                if column.field == "certificate_issued":
                    help_text = DAY_HINT
            field.required = False
            field.label = label
            field.help_text = help_text
            field.column_required = column.required  # shown as "(required)" next to the label
            self.fields[column.field] = field
        if editing and phone_masked:
            self.fields["remove_phone"] = forms.BooleanField(
                label=_("Remove the phone number"), required=False
            )
        if editing:
            certificate = self.fields["certificate_number"]
            certificate.help_text = format_lazy(
                _(
                    "It begins with the ID number ({id_number}). Type what follows: the category digit, the "
                    "grade digit and, for a reissued certificate, B1–B9 (for example 41 or 41B1)."
                ),
                id_number=id_masked,
            )
            self.fields["phone"].help_text = (
                format_lazy(
                    _("On record: {phone}. Leave empty to keep it, or type a new number to replace it."),
                    phone=phone_masked,
                )
                if phone_masked
                else _("No phone number on record.")
            )
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
        else:
            for column in PERSON_COLUMNS:
                if column.default is not None and not self.is_bound:
                    self.initial.setdefault(column.field, column.default)

    def groups(self) -> list[tuple[str, list]]:
        """The fields in three fieldsets, each with its legend (import column order within each)."""
        return [
            (legend, [self[name] for name in names if name in self.fields]) for legend, names in FIELD_GROUPS
        ]

    def values(self, *, id_number: str = "") -> dict[str, str]:
        """The import-format values for ``person_save``. When editing, ``id_number`` is the current full
        number (held server-side, never sent to the page), which the certificate number begins with."""
        data = self.cleaned_data
        values = {c.field: data.get(c.field) or "" for c in PERSON_COLUMNS if c.field in self.fields}
        if self.editing:
            suffix = values["certificate_number"].strip().upper()
            # Someone who types the whole number out of habit means the whole number.
            values["certificate_number"] = suffix if len(suffix) >= 18 or not suffix else id_number + suffix
            if data.get("remove_phone"):
                values["phone"] = ""
            elif not values["phone"].strip():
                del values["phone"]  # keep the number on record
        return values

    def add_service_errors(self, errors: list[dict]) -> None:
        """Show the import rules' errors next to their fields; an error naming a column this form has no
        field for (the ID number when editing) goes to the top of the form."""
        chinese = is_chinese()
        for error in errors:
            message = bilingual_part(error["message"], chinese=chinese)
            field = error.get("field")
            self.add_error(field if field in self.fields and field != "version" else None, message)


def bilingual_part(message: str, *, chinese: bool) -> str:
    """The services' messages read "中文 / English": show the page's language only."""
    if str(message).count(" / ") != 1:
        return message
    said = Message.parse(message)
    return said.zh if chinese else said.en
