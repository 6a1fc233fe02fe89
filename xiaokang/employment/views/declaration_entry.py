"""Recording a new declaration and correcting a submitted one (E1; docs/declarations.md): the
employees come from a file or typed lines, the service checks each against the registry; errors are
shown at their field or listed with row and column (ARCHITECTURE rule 1: parse, call the service,
render)."""

from __future__ import annotations

import os
import tempfile

from django.conf import settings
from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xiaokang.core.capabilities import requires
from xiaokang.core.ids import safe_id
from xiaokang.core.language import in_page_language
from xiaokang.employment.declaration_selectors import declaration_employees, declaration_for
from xiaokang.employment.declarations import (
    DeclarationCorrection,
    DeclarationError,
    EmployeeChange,
    declaration_correct,
    declaration_employees_from_file,
    declaration_employees_from_text,
    declaration_submit,
)
from xiaokang.employment.forms_declarations import (
    CorrectionForm,
    DeclarationForm,
)
from xiaokang.employment.models import DeclarationState
from xiaokang.employment.selectors import employer_by_uscc, employer_for
from xiaokang.employment.views.declarations import log_view, problem_entries, render_detail
from xiaokang.registry.views_persons import _see_other

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
            employer = employer_by_uscc(request.user, data["employer"])
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
    entries = problem_entries(
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
        log_view(request, declaration, page="correct")
        problem = {"entries": [{"message": _("The declaration is approved: it cannot be corrected.")}]}
        return render_detail(
            request, declaration, status=409 if request.method == "POST" else 200, problem=problem
        )
    employees = declaration_employees(declaration)
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
                    employees = declaration_employees(declaration)
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
                            "entries": problem_entries(
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
    log_view(request, declaration, page="correct")
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
