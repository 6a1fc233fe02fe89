"""The employer pages (E1): list with search and filters, detail with the employer's declarations,
create and edit, the import (upload → check → confirm) and the xlsx export of the list.

Views parse, call one selector or service and render (ARCHITECTURE rule 1). Scope is decided by
``selectors.employers_for``: a street officer sees the employers of their street (404 for any other, as
for persons), district staff all of them. The community worker, the auditor and the security
administrator get 403 (audited). The import reuses the person import's upload machinery
(``registry.views_batch``: size limit while uploading, the file stored under a random name, deleted
after confirmation)."""

from __future__ import annotations

import polars as pl
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.audit.services import log_action
from xiaokang.core.capabilities import requires
from xiaokang.core.importing.pages import import_template_download
from xiaokang.core.language import is_chinese
from xiaokang.employment.declaration_selectors import employer_declarations
from xiaokang.employment.forms_employers import EmployerFilterForm, EmployerForm
from xiaokang.employment.importing import (
    EMPLOYER_COLUMNS,
    EMPLOYERS,
    employer_save,
    employer_values,
    employers_import,
)
from xiaokang.employment.models import EMPLOYER_TYPE_ZH, DeclarationState
from xiaokang.employment.selectors import employer_for, search_employers
from xiaokang.registry.exporting import write_xlsx
from xiaokang.registry.views_batch import (
    ImportFlow,
    _download,
    _private_dir,
    import_confirmed,
    import_upload,
)
from xiaokang.registry.views_persons import _see_other

PAGE_SIZE = 50
IMPORT_TEMPLATE = "employment/employers/import.html"
# The checked upload waiting for confirmation: {"token": hex, "name": the file's name} (the person
# import keeps its own under another key, so the two imports never confuse their files).
SESSION_KEY = "employer_import"


# ---------------------------------------------------------------------------------------------------
# List and export


def _filtered(request):
    form = EmployerFilterForm(request.GET or None, actor=request.user)
    valid = not form.is_bound or form.is_valid()
    employers = search_employers(request.user, form.filters()) if valid else None
    return form, employers


@require_GET
@requires("employer.read")
def employer_list(request):
    form, employers = _filtered(request)
    page = Paginator(employers if employers is not None else [], PAGE_SIZE).get_page(request.GET.get("page"))
    query = {name: request.GET[name] for name in form.fields if request.GET.get(name)}
    return render(
        request,
        "employment/employers/list.html",
        {
            "filter_form": form,
            "page": page,
            "rows": [{"employer": e, "type_zh": EMPLOYER_TYPE_ZH[e.employer_type]} for e in page],
            "query": urlencode(query),
            "area": request.user.area,
        },
    )


@require_GET
@requires("employer.read")
def employer_export(request):
    """The list as filtered, as an xlsx file in the import format (it re-imports with every row
    unchanged). Audited."""
    form, employers = _filtered(request)
    if employers is None:
        messages.error(request, _("The filters are not valid: correct them, then export again."))
        return redirect(f"{reverse('employer-list')}?{request.GET.urlencode()}")
    rows = [employer_values(e) for e in employers]
    frame = pl.DataFrame(
        {c.zh: [row[c.field] for row in rows] for c in EMPLOYER_COLUMNS},
        schema={c.zh: pl.Utf8 for c in EMPLOYER_COLUMNS},
    )
    path = _private_dir() / "employers.xlsx"
    write_xlsx(frame, path, sheet_name="用人单位")
    log_action(
        request.user,
        "employer.export",
        object_type="file",
        details={
            "format": "xlsx",
            "rows": frame.height,
            "filters": form.cleaned_data if form.is_bound else {},
        },
    )
    return _download(path, f"employers-{timezone.localdate():%Y%m%d}.xlsx")


# ---------------------------------------------------------------------------------------------------
# Detail, create, edit


@require_GET
@requires("employer.read")
def employer_detail(request, pk: int):
    employer = employer_for(request.user, pk)
    declarations = employer_declarations(employer)
    return render(
        request,
        "employment/employers/detail.html",
        {
            "employer": employer,
            "type_zh": EMPLOYER_TYPE_ZH[employer.employer_type],
            "declarations": declarations,
            "approved": DeclarationState.APPROVED,
        },
    )


def _form_page(request, form, employer):
    return render(request, "employment/employers/form.html", {"form": form, "employer": employer})


@require_http_methods(["GET", "POST"])
@requires("employer.write")
def employer_create(request):
    form = EmployerForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        result = employer_save(actor=request.user, values=form.values())
        if not result.errors:
            messages.success(request, _("The employer has been registered."))
            return _see_other(reverse("employer-detail", args=[result.employer.pk]))
        form.add_service_errors(result.errors)
    return _form_page(request, form, None)


@require_http_methods(["GET", "POST"])
@requires("employer.write")
def employer_edit(request, pk: int):
    employer = employer_for(request.user, pk)
    form = EmployerForm(request.POST or None, actor=request.user, initial=employer_values(employer))
    if request.method == "POST" and form.is_valid():
        result = employer_save(actor=request.user, employer=employer, values=form.values())
        if not result.errors:
            messages.success(request, _("The changes have been saved."))
            return _see_other(reverse("employer-detail", args=[employer.pk]))
        form.add_service_errors(result.errors)
    return _form_page(request, form, employer)


# ---------------------------------------------------------------------------------------------------
# Import: upload → check (dry run) → confirm


def _render_import(request, context: dict):
    chinese = is_chinese()
    columns = [
        {
            "zh": c.zh,
            "field": c.field,
            "required": c.required,
            "default": c.default,
            "values": c.values_zh if chinese else c.values_en,
        }
        for c in EMPLOYER_COLUMNS
    ]
    return render(request, IMPORT_TEMPLATE, {"columns": columns, **context})


# The person import's flow (registry.views_batch), with this import's loader, page and session key; the
# errors are listed by row and column (the marked-rows table is the person format's).
EMPLOYER_IMPORT = ImportFlow(
    load=employers_import,
    page=_render_import,
    upload_url="employer-import",
    session_key=SESSION_KEY,
    rows_table=False,
)


@require_GET
@requires("employer.write")
def employer_import_template(request):
    """The empty employer template (R5), linked from the import page."""
    return import_template_download(EMPLOYERS, "用人单位导入模板.xlsx")


@csrf_exempt  # checked below, once the size-limit handler is in place (as registry.views_batch does)
@requires("employer.write")
def employer_import(request):
    return import_upload(request, EMPLOYER_IMPORT)


@require_POST
@requires("employer.write")
def employer_import_confirm(request):
    return import_confirmed(request, EMPLOYER_IMPORT)
