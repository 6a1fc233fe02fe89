"""The registry's batch pages (R5, R7): the person import (upload, check, confirm), the data-quality
report and the export. Views parse, call one service or selector and render (ARCHITECTURE rule 1); the
rules live in ``services.persons_import``, ``quality.quality_report`` and ``exporting.export_persons``.

Deny by default: each page names the roles that may use it; anyone else gets 403 and the refusal is
recorded in the audit trail (U11; GB/T 22239-2019 8.1.4.3: "every refused access")."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import polars as pl
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.core.capabilities import can, check
from xiaokang.core.importing.pages import (
    ImportFlow,
    import_confirmed,
    import_errors_csv,
    import_template_download,
    import_upload,
)
from xiaokang.registry.exporting import export_persons
from xiaokang.registry.forms_batch import ExportForm, street_choices
from xiaokang.registry.importing.persons import PERSONS
from xiaokang.registry.quality import ACTIVE_DATA_SOURCES, quality_export, quality_report
from xiaokang.registry.reading import record_read
from xiaokang.registry.services import persons_import
from xiaokang.registry.vocabulary import PersonStatus

# A page is read by people: beyond these, the page says how many more there are.
QUALITY_ROWS_SHOWN = 500

IMPORT_TEMPLATE = "registry/batch/import.html"


# ---------------------------------------------------------------------------------------------------
# Import: upload → check (dry run) → confirm, with the framework's pieces (core.importing.pages)


@csrf_exempt  # checked below, once the size-limit handler is in place (Django's documented pattern)
@login_required
def import_page(request):
    check(request, "registry.import")
    return import_upload(request, PERSON_IMPORT)


def _person_import_page(request, context: dict):
    return render(request, IMPORT_TEMPLATE, context)


PERSON_IMPORT = ImportFlow(
    dataset=PERSONS, load=persons_import, page=_person_import_page, upload_url="registry-import"
)


@login_required
@require_POST
def import_confirm(request):
    check(request, "registry.import")
    return import_confirmed(request, PERSON_IMPORT)


@login_required
@require_POST
def import_errors_download(request):
    """Every error of the checked file as CSV (row, column, message), for a file with more errors than
    the page lists: the same list as the command line's --report."""
    check(request, "registry.import")
    return import_errors_csv(request, PERSON_IMPORT)


@login_required
@require_GET
def import_template(request):
    """The empty person template (R5), linked from the import page: the same file as the command line's
    person template."""
    check(request, "registry.import")
    return import_template_download(PERSONS, "残疾人导入模板.xlsx")


# ---------------------------------------------------------------------------------------------------
# Downloads


def _download(path: Path, filename: str) -> FileResponse:
    """Send a file written in a private temporary directory, removing it from disk as it is opened (the
    open handle keeps it readable until the response is sent): no export lingers on the server."""
    handle = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    shutil.rmtree(path.parent, ignore_errors=True)
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def _private_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="xiaokang-download-"))


# ---------------------------------------------------------------------------------------------------
# Data quality


def _kind_label(kind: str) -> str:
    chinese = (get_language() or "").startswith("zh")
    for source in ACTIVE_DATA_SOURCES:
        if source.kind == kind:
            return source.label_zh if chinese else source.label_en
    return kind


def _status_label(value: str) -> str:
    try:
        return PersonStatus(value).label
    except ValueError:
        return value


def _shown(frame: pl.DataFrame) -> dict:
    return {"rows": frame.head(QUALITY_ROWS_SHOWN).to_dicts(), "total": frame.height}


@login_required
@require_GET
def quality_page(request):
    check(request, "registry.quality")
    report = quality_report(actor=request.user)
    duplicates = _shown(report.duplicates)
    for row in duplicates["rows"]:
        row["status"] = _status_label(row["status"])
    deceased = _shown(report.deceased_active)
    for row in deceased["rows"]:
        row["kind"] = _kind_label(row["kind"])
    # The page lists persons: one audit event with the number shown (U11; GB/T 22239-2019 8.1.4.3). A
    # report, not paging: it does not count against the bulk-read limit.
    shown = len(duplicates["rows"]) + len(deceased["rows"]) + min(report.expiring.height, QUALITY_ROWS_SHOWN)
    record_read(request.user, "registry.quality", rows=shown, details=report.counts(), limited=False)
    context = {
        "report": report,
        "duplicates": duplicates,
        "duplicate_groups": report.counts()["duplicate_groups"],
        "expiring": _shown(report.expiring),
        "deceased": deceased,
        "horizon_end": report.today + dt.timedelta(days=report.horizon_days),
        "limit": QUALITY_ROWS_SHOWN,
    }
    return render(request, "registry/batch/quality.html", context)


@login_required
@require_POST
def quality_download(request):
    check(request, "registry.quality")
    report = quality_report(actor=request.user)
    path = _private_dir() / "quality.xlsx"
    # Written, then audited once the file exists, as exporting.export_persons does (names, masked IDs).
    quality_export(actor=request.user, report=report, path=path)
    return _download(path, f"data-quality-{timezone.localdate():%Y%m%d}.xlsx")


# ---------------------------------------------------------------------------------------------------
# Export


def _asks_for_full(data) -> bool:
    # The checkbox's own reading of a posted value ("0" and "false" are no).
    return forms.BooleanField(required=False).to_python(data.get("full"))


@login_required
@require_http_methods(["GET", "POST"])
def export_page(request):
    user = request.user
    check(request, "registry.export")
    allow_full = can(user, "id_number.full")
    if request.method == "POST" and not allow_full and _asks_for_full(request.POST):
        # Full ID numbers only for a district administrator (PIPL art. 51); a crafted request is refused
        # outright and recorded, rather than quietly given a masked file.
        check(request, "id_number.full", full=True)
    streets = street_choices() if scope_of(user).kind == "all" else None  # district-wide readers
    form = ExportForm(request.POST or None, streets=streets, allow_full=allow_full)
    if request.method == "POST" and form.is_valid():
        street = form.cleaned_data.get("street") or None
        full = bool(form.cleaned_data.get("full"))
        suffix = form.cleaned_data["format"]
        path = _private_dir() / f"persons.{suffix}"
        export_persons(actor=user, path=path, street_code=street, full=full)
        name = f"persons-{street or 'all'}-{timezone.localdate():%Y%m%d}{'-full' if full else ''}.{suffix}"
        return _download(path, name)
    return render(
        request,
        "registry/batch/export.html",
        {"form": form, "allow_full": allow_full, "area": user.area},
    )
