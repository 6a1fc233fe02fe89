"""The person pages (R1–R4, U11): search and list, detail, register and edit.

Views parse, call the selector or service, and render (ARCHITECTURE rule 1). Scope is never decided here:
``search_persons`` and ``person_for`` start from ``persons_for(actor)``, and ``person_for`` answers 404
for a person outside the actor's area exactly as for one that does not exist, auditing the attempt.

Deny by default: every page needs a signed-in user with the capability ``person.read`` (``person.write`` to
register or edit; ``core.capabilities``); the auditor and the security administrator get 403 (三权分立).
Every response is ``no-store``: the pages carry personal data that must not stay in a shared computer's cache.

Nothing sensitive goes into a URL: the ID-number and certificate-number search is POSTed and answered
in place (or with a redirect to the person's page, whose address holds only the record's id)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.audit.services import Event, log_action, log_actions
from xiaokang.core.capabilities import can, refuse, requires
from xiaokang.core.listing import EXPORT_PARAMETER, xlsx_export
from xiaokang.core.selectors import area_names
from xiaokang.registry.forms import (
    COLUMN_LABELS,
    GRADE_LABELS,
    SELF_CARE_LABELS,
    YES_NO_LABELS,
    AsOfForm,
    PersonFilterForm,
    PersonForm,
    PersonNumberSearchForm,
)
from xiaokang.registry.history import RECORD_FIELDS, record_as_of
from xiaokang.registry.models import Certificate, Person
from xiaokang.registry.reading import BulkReadLimited, list_action, record_read
from xiaokang.registry.search import PersonFilters, count_persons, persons_to_export, search_persons
from xiaokang.registry.sections import person_sections
from xiaokang.registry.selectors import (
    active_certificate,
    attach_active_certificates,
    disclosure_for,
    household_view,
    person_for,
    person_history,
    recent_viewers,
)
from xiaokang.registry.services import person_save, person_values
from xiaokang.registry.transfers import open_transfer
from xiaokang.registry.vocabulary import (
    CATEGORY_BY_CODE,
    CATEGORY_CODE,
    Category,
    EconomicStatus,
    Employment,
    Hukou,
    PersonStatus,
    Relation,
)

VIEWERS_SHOWN = 20


def _see_other(url: str) -> HttpResponseRedirect:
    """303 after a POST: the browser follows with a GET, and Back does not post again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# ---------------------------------------------------------------------------------------------------
# Search and list


@require_http_methods(["GET", "POST"])
@requires("person.read")
def person_list(request):
    actor = request.user
    number_form = PersonNumberSearchForm(request.POST if request.method == "POST" else None)
    context: dict = {"number_form": number_form, "by_number": request.method == "POST"}
    if request.method == "POST":
        # The exact search by number: answered in this response, never by a redirect carrying the number.
        filter_form = PersonFilterForm(actor=actor)
        persons: list[Person] = []
        if number_form.is_valid():
            filters = number_form.filters()
            page = search_persons(actor, filters, limit=2)
            refused = _record_list_read(request, filters, page.persons, by_number=True)
            if refused is not None:
                return refused
            if len(page.persons) == 1:
                return _see_other(reverse("person-detail", args=[page.persons[0].pk]))
            persons = page.persons
        context.update(filter_form=filter_form, persons=persons, count=len(persons), next_url=None)
    else:
        filter_form = PersonFilterForm(request.GET or None, actor=actor)
        persons, count, next_url, after = [], 0, None, None
        if not filter_form.is_bound or filter_form.is_valid():
            filters = filter_form.filters() if filter_form.is_bound else PersonFilters()
            if request.GET.get(EXPORT_PARAMETER) == "xlsx":
                return _export_persons(request, filters)
            after = filter_form.cleaned_data["after"] if filter_form.is_bound else None
            page = search_persons(actor, filters, after=after)
            refused = _record_list_read(request, filters, page.persons, after=after)
            if refused is not None:
                return refused
            persons = page.persons
            count = count_persons(actor, filters)
            if page.next_after is not None:
                next_url = _page_url(request, filter_form, after=page.next_after)
        context.update(
            filter_form=filter_form,
            persons=persons,
            count=count,
            next_url=next_url,
            first_url=_page_url(request, filter_form) if filter_form.is_bound and after else None,
        )
    attach_active_certificates(persons)
    context["rows"] = [_list_row(person) for person in persons]
    context["can_transfer"] = can(actor, "transfer.request")
    if request.method != "POST" and context["rows"]:
        kept = _page_url(request, filter_form).partition("?")[2]
        context["export_query"] = f"{kept}&{EXPORT_PARAMETER}=xlsx" if kept else f"{EXPORT_PARAMETER}=xlsx"
        context["export_cap"] = min(PERSON_EXPORT_CAP, int(settings.XIAOKANG_BULK_READ_LIMIT))
        context["ids_masked"] = not disclosure_for(actor).full_id
    return render(request, "registry/persons/list.html", context)


# The person list's export writes at most this many persons; it also counts against the bulk-read
# limit (U11; PIPL art. 51), which refuses it first when the reader has read too many. A larger extract
# is the registry export's job (its own page, R5).
PERSON_EXPORT_CAP = 2000


def _export_persons(request, filters: PersonFilters):
    """The filtered person list as xlsx (core.listing): the list's columns, the ID number masked unless
    the role may see it in full (registry.selectors.disclosure_for); counted against the bulk-read limit
    and audited ("person.export") before anything is written."""
    actor = request.user
    total = count_persons(actor, filters)
    refused = _record_list_read(
        request,
        filters,
        [None] * min(total, PERSON_EXPORT_CAP),
        action="person.export",
        full_id_numbers=disclosure_for(actor).full_id,
        truncated=total > PERSON_EXPORT_CAP,
    )
    if refused is not None:
        return refused
    disclosure = disclosure_for(actor)

    def row(person: Person) -> tuple:
        active = [c for c in person.certificates.all() if c.status == "active"]
        certificate = active[0] if active else None
        return (
            person.name,
            disclosure.id_number(person),
            person.get_sex_display(),
            person.birth_date.year,  # the year only, as on the page (PIPL art. 28)
            person.street.name,
            person.community.name,
            f"{Category(certificate.category).label} {GRADE_LABELS.get(certificate.grade, '')}"
            if certificate
            else "",
            person.household.get_economic_status_display(),
            person.get_status_display(),
        )

    header = (
        _("Name"), _("ID number"), _("Sex"), _("Birth year"), _("Street or town"), _("Community or village"),
        _("Category and grade"), _("Economic status"), _("Status"),
    )  # fmt: skip
    response, _export = xlsx_export(
        filename=f"persons-{timezone.localdate().isoformat()}.xlsx",
        sheet=_("Persons"),
        header=header,
        rows=(row(person) for person in persons_to_export(actor, filters).iterator(chunk_size=1000)),
        cap=PERSON_EXPORT_CAP,
        capped_note=lambda cap: (
            _("The export stops here at %(cap)s persons: narrow the filters, or use the registry export.")
            % {"cap": cap}
        ),
    )
    return response


def _record_list_read(request, filters: PersonFilters, persons: list, action: str = "", **details):
    """One audit event for this page of results (filters, numbers as blind indexes, and the number of
    persons shown); past the bulk-read limit the page is refused with 429 instead (U11; PIPL art. 51)."""
    try:
        record_read(
            request.user,
            action or list_action(filters),
            rows=len(persons),
            filters=filters,
            details={key: value for key, value in details.items() if value},
        )
    except BulkReadLimited as refused:
        return render(
            request,
            "registry/persons/bulk_read_limited.html",
            {"message": refused.page_message()},
            status=429,
        )
    return None


def _page_url(request, filter_form: PersonFilterForm, *, after: int | None = None) -> str:
    """The address of a page of the same search: the filter form's own fields only (whatever else the
    query string held is not carried on), plus ``after`` for the next page."""
    query = {
        name: request.GET[name]
        for name in filter_form.fields
        if name != "after" and filter_form.is_bound and request.GET.get(name)
    }
    if after is not None:
        query["after"] = str(after)
    return f"{request.path}?{urlencode(query)}" if query else request.path


def _list_row(person: Person) -> dict:
    certificate = person.active[0] if person.active else None
    return {
        "person": person,
        "category": Category(certificate.category).label if certificate else "",
        "grade": GRADE_LABELS.get(certificate.grade, "") if certificate else "",
    }


# ---------------------------------------------------------------------------------------------------
# Detail


@require_http_methods(["GET"])
@requires("person.read", person_kwarg="pk")
def person_detail(request, pk: int):
    actor = request.user
    person = person_for(actor, pk)
    log_action(actor, "person.view", object_type="person", object_id=str(pk), person_id=pk)
    return render(request, "registry/persons/detail.html", _detail_context(request, person))


@require_POST
@requires("person.read", person_kwarg="pk")
def person_reveal(request, pk: int):
    """The full ID and certificate numbers, for the district administrator only, on this response
    alone (nothing stored, nothing in the address); audited as a view and as a reveal."""
    actor = request.user
    if not can(actor, "id_number.full"):
        refuse(request, person_id=pk)
    person = person_for(actor, pk)
    log_actions(
        actor,
        [
            Event("person.view", "person", str(pk), pk),
            Event("person.reveal", "person", str(pk), pk, {"fields": ["id_number", "certificate_number"]}),
        ],
    )
    values = person_values(actor=actor, person_id=pk)
    revealed = {"id_number": values["id_number"], "certificate_number": values["certificate_number"]}
    return render(request, "registry/persons/detail.html", _detail_context(request, person, revealed))


SOURCE_LABELS = {
    "import": gettext_lazy("file import"),
    "form": gettext_lazy("form"),
    "api": gettext_lazy("API"),
    "seed": gettext_lazy("synthetic data"),
    "transfer": gettext_lazy("transfer between streets"),
}
# Fields of a history entry or an as-of record that have no import column of their own.
EXTRA_FIELD_LABELS = {
    "components": COLUMN_LABELS["multiple_categories"],
    "certificate_reissue": gettext_lazy("reissue suffix"),
    "status_changed_on": gettext_lazy("status changed on"),
}
_VOCABULARIES = {
    "hukou": Hukou,
    "relation": Relation,
    "economic_status": EconomicStatus,
    "employment": Employment,
    "status": PersonStatus,
    "category": Category,
}


def field_label(field: str) -> str:
    return str(COLUMN_LABELS.get(field) or EXTRA_FIELD_LABELS.get(field) or field)


def display_value(field: str, value, area_names: dict[str, str]) -> str:
    """A recorded value (identifiers, codes, booleans) as the page's language shows it."""
    if value is None or value == "":
        return ""
    if field in _VOCABULARIES:
        try:
            return str(_VOCABULARIES[field](value).label)
        except ValueError:
            return str(value)
    if field == "grade":
        return str(GRADE_LABELS.get(int(value), value))
    if field == "self_care":
        return str(SELF_CARE_LABELS[bool(value)])
    if isinstance(value, bool):
        return str(YES_NO_LABELS[value])
    if field in ("street", "community"):
        return area_names.get(str(value), str(value))
    if field == "components":
        return "、".join(str(Category(CATEGORY_BY_CODE[int(d)]).label) for d in str(value) if d.isdigit())
    return str(value)


def _area_names(codes) -> dict[str, str]:
    return area_names(codes)


def _history_rows(person: Person) -> list[dict]:
    entries = person_history(person)
    codes = [
        value
        for entry in entries
        for field in ("street", "community")
        for value in entry.changes.get(field, [])
        if value
    ]
    names = _area_names(codes)
    order = {field: i for i, field in enumerate(RECORD_FIELDS)}
    rows = []
    for entry in entries:
        changes = [
            {
                "label": field_label(field),
                "old": display_value(field, old, names),
                "new": display_value(field, new, names),
            }
            for field, (old, new) in sorted(entry.changes.items(), key=lambda item: order.get(item[0], 99))
        ]
        rows.append(
            {
                "recorded_at": entry.recorded_at,
                "who": entry.actor_label,
                "source": SOURCE_LABELS.get(entry.source, entry.source),
                "action": entry.action,
                "changes": changes,
            }
        )
    return rows


def _record_rows(record: dict) -> list[dict]:
    names = _area_names([record.get("street"), record.get("community")])
    return [
        {"label": field_label(field), "value": display_value(field, record.get(field), names)}
        for field in RECORD_FIELDS
    ]


def _certificate_number_masked(person: Person, certificate: Certificate | None) -> str:
    if certificate is None:
        return ""
    digits = f"{CATEGORY_CODE[certificate.category]}{certificate.grade}{certificate.reissue}"
    return person.id_number_masked + digits


def _detail_context(request, person: Person, revealed: dict | None = None) -> dict:
    actor = request.user
    today = timezone.localdate()
    certificate = active_certificate(person)
    household = household_view(actor, person)
    as_of_form = AsOfForm(request.GET if "as_of" in request.GET else None)
    as_of = None
    if as_of_form.is_bound and as_of_form.is_valid():
        day: dt.date = as_of_form.cleaned_data["as_of"]
        record = record_as_of(person.pk, day)
        as_of = {"day": day, "rows": _record_rows(record) if record else None}
    return {
        "person": person,
        "revealed": revealed,
        "can_reveal": can(actor, "id_number.full"),
        # R6, S4: the sending street (or the district) may ask to move the person to another street.
        "can_transfer": can(actor, "transfer.request"),
        # The transfer waiting for the district, if any (the reader already sees this person).
        "open_transfer": open_transfer(person),
        "certificate": certificate,
        "certificate_number": _certificate_number_masked(person, certificate),
        "certificate_grade": GRADE_LABELS.get(certificate.grade, "") if certificate else "",
        "certificate_components": display_value("components", certificate.components, {})
        if certificate
        else "",
        "certificate_expired": certificate is not None and certificate.valid_until < today,
        "household": person.household,
        "economic_periods": household.economic_periods,
        "hardships": household.hardships,
        # Only the members the actor may see: a street officer does not learn of a member elsewhere.
        "members": household.members,
        "history": _history_rows(person),
        "as_of_form": as_of_form,
        "as_of": as_of,
        "viewers": list(recent_viewers(person, VIEWERS_SHOWN)),
        "viewers_shown": VIEWERS_SHOWN,
        "sections": person_sections(request, person),
    }


# ---------------------------------------------------------------------------------------------------
# Register and edit


@require_http_methods(["GET", "POST"])
@requires("person.write")
def person_create(request):
    actor = request.user
    form = PersonForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        result = person_save(actor=actor, values=form.values(), source="form")
        if not result.errors:
            messages.success(request, _("The person has been registered."))
            return _see_other(reverse("person-detail", args=[result.person_id]))
        form.add_service_errors(result.errors)
    return render(request, "registry/persons/form.html", {"form": form, "person": None})


@require_http_methods(["GET", "POST"])
@requires("person.write", person_kwarg="pk")
def person_edit(request, pk: int):
    actor = request.user
    person = person_for(actor, pk)
    if request.method == "GET":
        # The form shows the record (masked numbers aside) as the detail page does: a view, recorded.
        log_action(
            actor,
            "person.view",
            object_type="person",
            object_id=str(pk),
            person_id=pk,
            details={"page": "edit"},
        )
    # The current record with full numbers stays on the server: the page gets the masked forms only.
    current = person_values(actor=actor, person_id=pk)
    initial = {**current, "certificate_number": current["certificate_number"][18:], "phone": ""}
    initial["version"] = person.version
    conflict = None
    masks = {"id_masked": person.id_number_masked, "phone_masked": person.phone_masked}
    if request.method == "POST":
        form = PersonForm(request.POST, actor=actor, editing=True, initial=initial, **masks)
        if form.is_valid():
            values = form.values(id_number=current["id_number"])
            result = person_save(
                actor=actor,
                values=values,
                person_id=pk,
                source="form",
                expected_version=form.cleaned_data["version"],
            )
            if result.conflict_version is not None:
                conflict = _conflict(form, values, current)
                person.refresh_from_db()
                # The form now shows the record as it is, at its new version; what the officer typed
                # is listed beside it so that nothing is lost.
                form = PersonForm(
                    actor=actor, editing=True, initial={**initial, "version": person.version}, **masks
                )
            elif not result.errors:
                messages.success(request, _("The changes have been saved."))
                return _see_other(reverse("person-detail", args=[pk]))
            else:
                form.add_service_errors(result.errors)
    else:
        form = PersonForm(actor=actor, editing=True, initial=initial, **masks)
    return render(
        request,
        "registry/persons/form.html",
        {
            "form": form,
            "person": person,
            "conflict": conflict,
        },
    )


def _conflict(form: PersonForm, values: dict, current: dict) -> list[dict]:
    """The fields where what the officer typed differs from the record as it is now."""
    rows = []
    for name, typed in values.items():
        if name in ("certificate_number", "phone"):
            # Numbers: say that they differ, without putting a full number on the page.
            if typed.strip().upper() != current.get(name, ""):
                rows.append({"label": field_label(name), "typed": _("(changed)"), "now": _("(see the form)")})
            continue
        if typed.strip() != current.get(name, "").strip():
            rows.append({"label": field_label(name), "typed": typed, "now": current.get(name, "")})
    return rows
