"""Staff pages of the annual quota declarations (E1; docs/declarations.md): the list, one
declaration with its employees, history and levy, recording a declaration, correcting it, approving it,
and the persons listed by two employers.

Views parse, call the selector or service, and render (ARCHITECTURE rule 1). Scope is decided by
``declaration_selectors`` (404 out of scope, audited) and ``selectors.employers_for``; the rules by
``declarations.py``. District administrators, district officers and street officers (their street's
employers) use these pages; only district staff approve and resolve conflicts. Every page is
``no-store`` (``core.capabilities.requires``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.audit.services import log_action
from xiaokang.core.capabilities import can, requires
from xiaokang.core.language import in_page_language, is_chinese
from xiaokang.core.listing import EXPORT_PARAMETER, SORT_PARAMETER, xlsx_export
from xiaokang.core.models import Area
from xiaokang.core.money import fen_to_yuan
from xiaokang.core.selectors import streets
from xiaokang.employment.declaration_checks import problem_text
from xiaokang.employment.declaration_selectors import (
    DECLARATIONS,
    conflict_count,
    declaration_changes,
    declaration_employees,
    declaration_for,
    declarations_listed,
    latest_levy_year,
)
from xiaokang.employment.declarations import (
    DeclarationError,
    declaration_approve,
    declaration_recheck,
    declaration_window,
)
from xiaokang.employment.forms_declarations import (
    DeclarationFilterForm,
    VersionForm,
)
from xiaokang.employment.models import DeclarationState, EmployeeCheck
from xiaokang.employment.selectors import has_employers
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


def log_view(request, declaration, **details) -> None:
    log_action(
        request.user,
        "declaration.view",
        object_type="declaration",
        object_id=declaration.pk,
        details=details or None,
    )


def problem_entries(error: DeclarationError, href_for, *, typed: bool = False) -> list[dict]:
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
    sort = request.GET.get(SORT_PARAMETER)
    declarations = declarations_listed(request.user, year=year, state=state, street=street, sort=sort)
    query = {k: v for k, v in (("year", year or ""), ("state", state), ("street", street)) if v}
    if request.GET.get(EXPORT_PARAMETER) == "xlsx":
        return _export_declarations(request, declarations, query, sort)
    page = Paginator(declarations, PAGE_SIZE).get_page(request.GET.get("page"))
    sort_key = DECLARATIONS.sort_key(sort)
    kept = {**query, SORT_PARAMETER: sort_key} if sort_key != DECLARATIONS.default_sort else dict(query)
    # The conflicts of the year shown, else of the latest levy year the actor has declarations for.
    conflict_year = year or latest_levy_year(request.user) or timezone.localdate().year
    return render(
        request,
        "employment/declarations/list.html",
        {
            "filter_form": form,
            "page": page,
            "page_query": urlencode(kept),
            "export_query": urlencode({**kept, EXPORT_PARAMETER: "xlsx"}),
            "export_cap": DECLARATIONS.export_cap,
            "sort": DECLARATIONS.headers(kept, sort),
            "conflict_year": conflict_year,
            "conflicts": conflict_count(request.user, conflict_year),
            "can_create": has_employers(request.user),
        },
    )


def _export_declarations(request, declarations, query: dict, sort):
    """The filtered declaration list as xlsx (core.listing): employers' figures, no personal data;
    audited with its filters and row count."""
    header = (
        _("Employer"), _("Levy year"), _("Street or town"), _("State"), _("Employees listed"),
        _("Employees counted"), _("Listed by two employers"), _("Levy (yuan)"),
    )  # fmt: skip
    rows = (
        (
            declaration.employer.name,
            declaration.levy_year,
            declaration.employer.street.name,
            declaration.get_state_display(),
            declaration.listed,
            declaration.counted_rows,
            declaration.conflict_rows,
            fen_to_yuan(declaration.levy_fen) if declaration.levy_fen is not None else None,
        )
        for declaration in declarations.iterator(chunk_size=2000)
    )
    response, export = xlsx_export(
        filename=f"declarations-{timezone.localdate().isoformat()}.xlsx",
        sheet=_("Declarations"),
        header=header,
        rows=rows,
        cap=DECLARATIONS.export_cap,
        capped_note=lambda cap: (
            _(
                "The export stops here at %(cap)s rows: narrow the filters (street, community, policy) to "
                "export the rest."
            )
            % {"cap": cap}
        ),
    )
    log_action(
        request.user,
        "declaration.export",
        object_type="declaration",
        details={
            "filters": query,
            "sort": DECLARATIONS.sort_key(sort),
            "rows": export.rows,
            "truncated": export.truncated,
        },
    )
    return response


# ---------------------------------------------------------------------------------------------------
# One declaration


def render_detail(request, declaration, *, status=200, problem=None, conflict=False):
    employees = declaration_employees(declaration, with_person=True)
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
        for change in declaration_changes(declaration)
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
    log_view(request, declaration)
    return render_detail(request, declaration)


def _action_error(request, declaration, error: DeclarationError):
    declaration.refresh_from_db()
    log_view(request, declaration, page="action")
    if error.kind == "stale":
        return render_detail(request, declaration, status=409, conflict=True)
    problem = {"entries": problem_entries(error, lambda item: "")}
    return render_detail(request, declaration, status=422, problem=problem)


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
