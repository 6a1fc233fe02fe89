"""Staff pages of the annual quota declarations (E1; docs/declarations.md): the list, one
declaration with its employees, history and levy, recording a declaration, correcting it, approving it,
and the persons listed by two employers.

Views parse, call the selector or service, and render (ARCHITECTURE rule 1). Scope is decided by
``declaration_selectors`` (404 out of scope, audited) and ``selectors.employers_for``; the rules by
``declarations.py``. District administrators, district officers and street officers (their street's
employers) use these pages; only district staff approve and resolve conflicts. Every page is
``no-store`` (``core.capabilities.requires``)."""

from __future__ import annotations

import os
import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.audit.services import log_action
from xiaokang.core.capabilities import can, requires
from xiaokang.core.ids import safe_id
from xiaokang.core.language import in_page_language, is_chinese
from xiaokang.core.models import Area
from xiaokang.core.selectors import streets
from xiaokang.employment.declaration_checks import problem_text
from xiaokang.employment.declaration_selectors import (
    conflict_count,
    conflicts_for,
    declaration_for,
    declarations_for,
    with_counts,
)
from xiaokang.employment.declarations import (
    DeclarationCorrection,
    DeclarationError,
    EmployeeChange,
    conflict_resolve,
    declaration_approve,
    declaration_correct,
    declaration_employees_from_file,
    declaration_employees_from_text,
    declaration_recheck,
    declaration_submit,
    declaration_window,
)
from xiaokang.employment.forms_declarations import (
    ConflictResolveForm,
    CorrectionForm,
    DeclarationFilterForm,
    DeclarationForm,
    VersionForm,
)
from xiaokang.employment.models import DeclarationState, EmployeeCheck
from xiaokang.employment.selectors import employer_for, employers_for
from xiaokang.registry.selectors import person_for
from xiaokang.registry.views_persons import _see_other

PAGE_SIZE = 50


# The history's fields, in words.
CHANGE_LABELS = {
    "headcount": gettext_lazy("Average headcount last year"),
    "total_wages": gettext_lazy("Total wages last year (yuan)"),
    "employee_added": gettext_lazy("Employee added"),
    "employee_removed": gettext_lazy("Employee removed"),
    "employee.contract_months": gettext_lazy("Contract length (months)"),
    "employee.minimum_wage_met": gettext_lazy("Pay at least the minimum wage"),
    "employee.social_insurance_paid": gettext_lazy("Social insurance paid in full"),
    "conflict_resolved": gettext_lazy("Listed by two employers: decided"),
}


def _change_label(field: str) -> str:
    return str(CHANGE_LABELS[field]) if field in CHANGE_LABELS else field


def _outcome_label(outcome: str) -> str:
    try:
        return str(EmployeeCheck(outcome).label)
    except ValueError:
        return outcome


def _streets_for(user) -> list[Area]:
    scope = scope_of(user)
    if scope.kind == "all":
        return streets()
    if scope.kind == "street":
        return streets(scope.area_id)
    return []


def _log_view(request, declaration, **details) -> None:
    log_action(
        request.user,
        "declaration.view",
        object_type="declaration",
        object_id=declaration.pk,
        details=details or None,
    )


def _problem_entries(error: DeclarationError, href_for, *, typed: bool = False) -> list[dict]:
    """The service's errors for the summary: each with where it is (row or typed line, column) and a
    link."""
    entries = []
    for item in error.errors:
        where = []
        if item.get("row") is not None:
            where.append((_("line %(row)s") if typed else _("row %(row)s")) % {"row": item["row"]})
        column = item.get("column") or ""
        if column and column not in ("file", "employees", "version", "state", "changes"):
            where.append(column)
        entries.append(
            {
                "label": ", ".join(where),
                "message": in_page_language(item["message"]),
                "href": href_for(item),
            }
        )
    return entries


# ---------------------------------------------------------------------------------------------------
# The list


@require_GET
@requires("declaration.read")
def declaration_list(request):
    streets = _streets_for(request.user)
    form = DeclarationFilterForm(request.GET or None, streets=streets)
    year, state, street = None, "", ""
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        state, street = form.cleaned_data["state"], form.cleaned_data["street"]
    declarations = declarations_for(request.user)
    if year:
        declarations = declarations.filter(levy_year=year)
    if state:
        declarations = declarations.filter(state=state)
    if street:
        declarations = declarations.filter(employer__street__code=street)
    declarations = with_counts(declarations).order_by("-levy_year", "employer__name", "pk")
    page = Paginator(declarations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in (("year", year or ""), ("state", state), ("street", street)) if v}
    # The conflicts of the year shown, else of the latest levy year the actor has declarations for.
    latest = declarations_for(request.user).aggregate(latest=Max("levy_year"))["latest"]
    conflict_year = year or latest or timezone.localdate().year
    return render(
        request,
        "employment/declarations/list.html",
        {
            "filter_form": form,
            "page": page,
            "page_query": urlencode(query),
            "conflict_year": conflict_year,
            "conflicts": conflict_count(request.user, conflict_year),
            "can_create": employers_for(request.user).exists(),
        },
    )


# ---------------------------------------------------------------------------------------------------
# One declaration


def _render_detail(request, declaration, *, status=200, problem=None, conflict=False):
    employees = list(declaration.employees.select_related("person").order_by("pk"))
    rows = [
        {
            "employee": employee,
            "outcome": _outcome_label(employee.outcome),
            "problems": [in_page_language(problem_text(code)) for code in employee.problem_codes],
        }
        for employee in employees
    ]
    changes = [
        {
            "change": change,
            "field": _change_label(change.field),
            "old": in_page_language(change.old_value),
            "new": in_page_language(change.new_value),
            "reason": in_page_language(change.reason),
        }
        for change in declaration.changes.order_by("at", "pk")
    ]
    conflicts = sum(1 for employee in employees if employee.outcome == EmployeeCheck.CONFLICT)
    submitted = declaration.state == DeclarationState.SUBMITTED
    start, end = declaration_window(declaration.levy_year)
    context = {
        "declaration": declaration,
        "employer": declaration.employer,
        "rows": rows,
        "changes": changes,
        "counted_rows": sum(1 for e in employees if e.outcome == EmployeeCheck.COUNTED),
        "counted_persons": sum(e.counts_as for e in employees),
        "conflicts": conflicts,
        "submitted": submitted,
        "can_approve": submitted and can(request.user, "declaration.approve"),
        "decision": declaration.decision or {},
        "window_start": start,
        "window_end": end,
        "reference_year": declaration.levy_year - 1,
        "problem": problem,
        "conflict": conflict,
        "zh": is_chinese(),
    }
    return render(request, "employment/declarations/detail.html", context, status=status)


@require_GET
@requires("declaration.read")
def declaration_detail(request, pk: int):
    declaration = declaration_for(request.user, pk)
    _log_view(request, declaration)
    return _render_detail(request, declaration)


def _action_error(request, declaration, error: DeclarationError):
    declaration.refresh_from_db()
    _log_view(request, declaration, page="action")
    if error.kind == "stale":
        return _render_detail(request, declaration, status=409, conflict=True)
    problem = {"entries": _problem_entries(error, lambda item: "")}
    return _render_detail(request, declaration, status=422, problem=problem)


@require_POST
@requires("declaration.approve")
def declaration_approve_view(request, pk: int):
    declaration = declaration_for(request.user, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        error = DeclarationError(
            [{"message": _("The form was not complete. Reload the page and try again.")}], "invalid"
        )
        return _action_error(request, declaration, error)
    try:
        declaration = declaration_approve(
            actor=request.user, declaration=declaration, version=form.cleaned_data["version"]
        )
    except DeclarationError as error:
        return _action_error(request, declaration, error)
    messages.success(request, _("The declaration is approved and its levy fixed."))
    return _see_other(reverse("declaration-detail", args=[declaration.pk]))


@require_POST
@requires("declaration.write")
def declaration_recheck_view(request, pk: int):
    declaration = declaration_for(request.user, pk)
    try:
        summary = declaration_recheck(actor=request.user, declaration=declaration)
    except DeclarationError as error:
        return _action_error(request, declaration, error)
    messages.success(
        request,
        _("Checked against the registry again: %(counted)s of %(listed)s employees counted.")
        % {"counted": summary["counted"], "listed": summary["employees"]},
    )
    return _see_other(reverse("declaration-detail", args=[declaration.pk]))


# ---------------------------------------------------------------------------------------------------
# A new declaration


def _employees_from_upload(upload) -> list[dict]:
    limit = settings.XIAOKANG_IMPORT_MAX_BYTES
    if upload.size > limit:
        message = f"文件超过上限 {limit} 字节 / the file is over the {limit}-byte limit"
        raise DeclarationError([{"row": None, "field": "file", "column": "file", "message": message}])
    handle, path = tempfile.mkstemp(prefix="declaration-", suffix=".upload")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return declaration_employees_from_file(path)
    finally:
        os.unlink(path)


FIGURE_FIELDS = ("levy_year", "headcount", "total_wages", "submitted_on", "employer")


@require_http_methods(["GET", "POST"])
@requires("declaration.write")
def declaration_create(request):
    status = 200
    problem = None
    if request.method == "POST":
        form = DeclarationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            source = "employees_file" if data["employees_file"] else "employees_text"
            employer = employers_for(request.user).filter(uscc=data["employer"].strip().upper()).first()
            if employer is None:
                form.add_error(
                    "employer",
                    _("No employer with this code is registered in your area. Register the employer first."),
                )
            else:
                try:
                    if data["employees_file"]:
                        employees = _employees_from_upload(data["employees_file"])
                    else:
                        employees = declaration_employees_from_text(data["employees_text"])
                    declaration = declaration_submit(
                        actor=request.user,
                        employer=employer,
                        levy_year=data["levy_year"],
                        headcount=data["headcount"],
                        total_wages=data["total_wages"],
                        submitted_on=data["submitted_on"],
                        employees=employees,
                        record_outside_window=data["record_outside_window"],
                    )
                except DeclarationError as error:
                    problem = _form_problem(form, error, source)
                else:
                    note = _("The declaration of %(name)s for %(year)s has been recorded and checked.")
                    if declaration.outside_window:
                        note += " " + _("It was submitted outside the declaration window and is marked so.")
                    messages.success(
                        request, note % {"name": declaration.employer.name, "year": data["levy_year"]}
                    )
                    return _see_other(reverse("declaration-detail", args=[declaration.pk]))
        status = 422
    else:
        form = DeclarationForm()
        employer_id = request.GET.get("employer", "")
        if employer_id.isdigit():
            employer = employer_for(request.user, safe_id(int(employer_id)))
            form.initial["employer"] = employer.uscc
    return render(
        request, "employment/declarations/form.html", {"form": form, "problem": problem}, status=status
    )


def _form_problem(form, error: DeclarationError, source: str) -> dict | None:
    """Figures' errors go to their fields; the employees' errors (row and column) are listed and link
    to the file or text box they came from."""
    rows = []
    for item in error.errors:
        name = item.get("field", "")
        if name in FIGURE_FIELDS and name in form.fields:
            form.add_error(name, in_page_language(item["message"]))
        else:
            rows.append(item)
    if not rows:
        return None
    form.add_error(source, _("The employees have errors: see the list at the top of the page."))
    entries = _problem_entries(
        DeclarationError(rows), lambda item: f"#id_{source}", typed=source == "employees_text"
    )
    return {"entries": entries}


# ---------------------------------------------------------------------------------------------------
# Correcting


def _correction_field(form: CorrectionForm, item: dict) -> str | None:
    name = item.get("field", "")
    if name in ("headcount", "total_wages", "reason"):
        return name
    if name.startswith("employees.add") or name == "employees":
        return "add_employees"
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "employees" and f"e{parts[1]}_{parts[2]}" in form.fields:
        return f"e{parts[1]}_{parts[2]}"
    return None


@require_http_methods(["GET", "POST"])
@requires("declaration.write")
def declaration_correct_view(request, pk: int):
    declaration = declaration_for(request.user, pk)
    if declaration.state != DeclarationState.SUBMITTED:
        _log_view(request, declaration, page="correct")
        problem = {"entries": [{"message": _("The declaration is approved: it cannot be corrected.")}]}
        return _render_detail(
            request, declaration, status=409 if request.method == "POST" else 200, problem=problem
        )
    employees = list(declaration.employees.order_by("pk"))
    status, problem, conflict = 200, None, False
    if request.method == "POST":
        form = CorrectionForm(request.POST, employees=employees)
        if form.is_valid():
            data = form.cleaned_data
            try:
                edits = form.employee_changes()
                changes = DeclarationCorrection(
                    headcount=data["headcount"],
                    total_wages=data["total_wages"],
                    add=declaration_employees_from_text(data["add_employees"]),
                    remove=edits["remove"],
                    change={pk: EmployeeChange(**values) for pk, values in edits["change"].items()},
                )
                declaration_correct(
                    actor=request.user,
                    declaration=declaration,
                    version=data["version"],
                    changes=changes,
                    reason=data["reason"],
                )
            except DeclarationError as error:
                if error.kind == "stale":
                    declaration.refresh_from_db()
                    employees = list(declaration.employees.order_by("pk"))
                    form = CorrectionForm(initial=_correction_initial(declaration), employees=employees)
                    conflict, status = True, 409
                else:
                    entries = []
                    for item in error.errors:
                        name = _correction_field(form, item)
                        message = in_page_language(item["message"])
                        if name and item.get("row") is None:
                            form.add_error(name, message)
                        else:
                            entries.append(item)
                    if entries:
                        problem = {
                            "entries": _problem_entries(
                                DeclarationError(entries),
                                lambda item: f"#id_{_correction_field(form, item) or 'reason'}",
                                typed=True,
                            )
                        }
                    status = 422
            else:
                messages.success(
                    request, _("The correction has been recorded and the declaration checked again.")
                )
                return _see_other(reverse("declaration-detail", args=[declaration.pk]))
        else:
            status = 422
    else:
        form = CorrectionForm(initial=_correction_initial(declaration), employees=employees)
    _log_view(request, declaration, page="correct")
    return render(
        request,
        "employment/declarations/correct.html",
        {
            "declaration": declaration,
            "employer": declaration.employer,
            "form": form,
            "problem": problem,
            "conflict": conflict,
        },
        status=status,
    )


def _correction_initial(declaration) -> dict:
    return {
        "version": declaration.version,
        "headcount": declaration.headcount,
        "total_wages": declaration.total_wages,
    }


# ---------------------------------------------------------------------------------------------------
# Persons listed by two employers


def _render_conflicts(request, year: int, *, status=200, problem=None, conflict=False):
    groups = conflicts_for(request.user, year)
    show_names = scope_of(request.user).kind == "all"
    return render(
        request,
        "employment/declarations/conflicts.html",
        {
            "year": year,
            "groups": groups,
            "can_resolve": can(request.user, "declaration.resolve_conflict"),
            "show_names": show_names,
            "problem": problem,
            "conflict": conflict,
        },
        status=status,
    )


@require_GET
@requires("declaration.read")
def declaration_conflicts(request, year: int):
    if not 1900 <= year <= 9999:
        raise Http404("no such year")
    return _render_conflicts(request, year)


@require_POST
@requires("declaration.resolve_conflict")
def declaration_conflict_resolve(request, year: int):
    form = ConflictResolveForm(request.POST)
    if not form.is_valid():
        message = _("Choose the employer that counts this person.")
        return _render_conflicts(request, year, status=422, problem={"entries": [{"message": message}]})
    data = form.cleaned_data
    declaration = declaration_for(request.user, safe_id(data["declaration"]))
    if declaration.levy_year != year:
        raise Http404("not a declaration of this year")
    person = person_for(request.user, safe_id(data["person"]))
    try:
        conflict_resolve(
            actor=request.user,
            person=person,
            levy_year=year,
            declaration=declaration,
            reason=data["reason"],
        )
    except DeclarationError as error:
        if error.kind == "stale":
            return _render_conflicts(request, year, status=409, conflict=True)
        entries = _problem_entries(error, lambda item: "")
        return _render_conflicts(request, year, status=422, problem={"entries": entries})
    messages.success(
        request,
        _("Decided: %(name)s counts this person for %(year)s; the other declarations do not.")
        % {"name": declaration.employer.name, "year": year},
    )
    return _see_other(reverse("declaration-conflicts", args=[year]))
