"""The registry's batch pages (R5, R7): the person import (upload, check, confirm), the data-quality
report and the export. Views parse, call one service or selector and render (ARCHITECTURE rule 1); the
rules live in ``services.persons_import``, ``quality.quality_report`` and ``exporting.export_persons``.

Deny by default: each page names the roles that may use it; anyone else gets 403 and the refusal is
recorded in the audit trail (U11; GB/T 22239-2019 8.1.4.3: "every refused access")."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.core.capabilities import can, check
from xiaokang.core.safe_text import spreadsheet_safe
from xiaokang.registry.exporting import export_persons
from xiaokang.registry.forms_batch import ExportForm, ImportUploadForm, street_choices
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.importing.reader import FileRejected, read_table
from xiaokang.registry.quality import ACTIVE_DATA_SOURCES, quality_export, quality_report
from xiaokang.registry.reading import record_read
from xiaokang.registry.services import ImportReport, persons_import
from xiaokang.registry.vocabulary import PersonStatus

# The checked upload waiting for confirmation, in the session: {"token": hex, "name": the file's name}.
SESSION_KEY = "registry_import"
UPLOAD_PREFIX = "import-"
_TOKEN = re.compile(r"[0-9a-f]{32}")
# An upload nobody confirmed is deleted at the next upload after this long (the session has long expired:
# 30 idle minutes), so a spreadsheet of ID numbers does not stay on the server.
UPLOAD_MAX_AGE = dt.timedelta(hours=2)

# A page is read by people: beyond these, the page says how many more there are.
ERRORS_SHOWN = 1000
ROWS_SHOWN = 200
QUALITY_ROWS_SHOWN = 500

IMPORT_TEMPLATE = "registry/batch/import.html"


# ---------------------------------------------------------------------------------------------------
# The stored upload


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _upload_path(token: str) -> Path:
    # Only our own random hex reaches the file system, never the name the user's file had.
    if not _TOKEN.fullmatch(token or ""):
        raise ValueError("not an upload token")
    return _upload_dir() / f"{UPLOAD_PREFIX}{token}"


def _store_upload(upload) -> str:
    token = secrets.token_hex(16)
    fd = os.open(_upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return token


def _pending_upload(request, session_key: str = SESSION_KEY) -> tuple[Path, str] | None:
    pending = request.session.get(session_key)
    if not pending or not _TOKEN.fullmatch(str(pending.get("token", ""))):
        return None
    path = _upload_path(pending["token"])
    return (path, pending.get("name", "")) if path.is_file() else None


def _discard_upload(request, session_key: str = SESSION_KEY) -> None:
    pending = request.session.pop(session_key, None)
    if pending and _TOKEN.fullmatch(str(pending.get("token", ""))):
        _upload_path(pending["token"]).unlink(missing_ok=True)


def _purge_stale_uploads() -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE.total_seconds()
    for path in _upload_dir().glob(f"{UPLOAD_PREFIX}*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:  # another request removed it first
            continue


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops storing an upload as soon as it passes the import limit (XIAOKANG_IMPORT_MAX_BYTES), so an
    oversized file is refused without first being written to disk in full. The rest of the request is
    read and dropped, and the page then says the file is too large."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (Django's memory or temporary file) builds the file


# ---------------------------------------------------------------------------------------------------
# Import: upload → check (dry run) → confirm


def _rows_in_error(path: Path, errors: list[dict]) -> dict:
    """The rows that have errors, as the file has them (the columns the importer reads, headed as in the
    file), each cell with its error message or None: what the page shows with the cells marked."""
    rows_wanted = sorted({e["row"] for e in errors if e["row"] >= 2})
    sheet = read_table(path, PERSON_COLUMNS)
    fields = [c.field for c in PERSON_COLUMNS if c.field in sheet.headers]
    headers = [sheet.headers[f] for f in fields]
    by_cell = {}
    for error in errors:
        by_cell.setdefault((error["row"], error["column"]), error["message"])
    frame = sheet.frame.filter(pl.col("__row").is_in(rows_wanted[:ROWS_SHOWN])).sort("__row")
    rows = []
    anchors: dict[tuple[int, str], str] = {}
    for record in frame.iter_rows(named=True):
        number = record["__row"]
        anchors[(number, "")] = f"row-{number}"
        cells = []
        for index, (field, header) in enumerate(zip(fields, headers, strict=True)):
            error = by_cell.get((number, header))
            cell = {"value": record.get(field) or "", "error": error, "anchor": None}
            if error is not None:
                cell["anchor"] = anchors[(number, header)] = f"cell-{number}-{index}"
            cells.append(cell)
        # An error naming a column the file does not have (a missing optional column) is shown by the row.
        other = [e["message"] for e in errors if e["row"] == number and e["column"] not in headers]
        rows.append({"number": number, "cells": cells, "other": other})
    return {
        "headers": headers,
        "rows": rows,
        "total": len(rows_wanted),
        "shown": len(rows),
        "anchors": anchors,
    }


def _report_context(report: ImportReport, path: Path, name: str, rows_table: bool = True) -> dict:
    in_error = _rows_in_error(path, report.errors) if report.errors and rows_table else None
    anchors = in_error["anchors"] if in_error else {}
    # Each error links to its cell in the table of rows (which scrolls sideways to show it), or to its row
    # when the column is not in the file; not at all when the row is beyond those the page shows.
    errors = [
        {**e, "anchor": anchors.get((e["row"], e["column"])) or anchors.get((e["row"], ""))}
        for e in report.errors[:ERRORS_SHOWN]
    ]
    return {
        "report": report,
        "name": name,
        "errors": errors,
        "errors_total": len(report.errors),
        "in_error": in_error,
    }


def _import_form(**kwargs) -> ImportUploadForm:
    return ImportUploadForm(max_bytes=settings.XIAOKANG_IMPORT_MAX_BYTES, **kwargs)


@csrf_exempt  # checked below, once the size-limit handler is in place (Django's documented pattern)
@login_required
def import_page(request):
    check(request, "registry.import")
    handler = None
    if request.method == "POST":
        # Upload handlers can only change before the body is read, and CSRF checking reads it.
        handler = SizeLimitUploadHandler(request, settings.XIAOKANG_IMPORT_MAX_BYTES)
        request.upload_handlers.insert(0, handler)
    return _import_page(request, handler)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _import_page(request, handler):
    return import_check(request, handler, PERSON_IMPORT)


def _person_import_page(request, context: dict):
    return render(request, IMPORT_TEMPLATE, context)


@dataclass(frozen=True)
class ImportFlow:
    """What one import (persons here; employers in the employment app) brings to the shared flow
    upload → check (dry run) → confirm: its loader (``load(actor=, path=, dry_run=, file_name=)`` giving
    an ImportReport), how its page renders a context, where to upload again, and its session key (each
    import keeps its own, so two imports never confuse their files)."""

    load: object
    page: object
    upload_url: str
    session_key: str = SESSION_KEY
    rows_table: bool = True  # the person import shows the rows in error with their cells marked


def import_check(request, handler, flow: ImportFlow):
    """The upload and its check (a dry run); the checked file waits under the flow's session key for
    ``import_confirmed``. ``handler``: the SizeLimitUploadHandler the view put in place."""
    page = flow.page
    if request.method == "GET":
        return page(request, {"state": "upload", "form": _import_form()})
    form = _import_form(data=request.POST, files=request.FILES, too_large=handler.too_large)
    # A new upload starts over: the file checked before (confirmed or not) is dropped now.
    _discard_upload(request, flow.session_key)
    _purge_stale_uploads()
    if not form.is_valid():
        return page(request, {"state": "upload", "form": form})
    upload = form.cleaned_data["file"]
    token = _store_upload(upload)
    path = _upload_path(token)
    name = Path(upload.name or "").name[:200]
    try:
        report = flow.load(actor=request.user, path=path, dry_run=True)
    except FileRejected as rejected:
        path.unlink(missing_ok=True)
        form.add_error("file", str(rejected))
        return page(request, {"state": "upload", "form": form})
    request.session[flow.session_key] = {"token": token, "name": name}
    context = {
        "state": "report",
        "form": _import_form(),
        **_report_context(report, path, name, flow.rows_table),
    }
    return page(request, context)


def import_confirmed(request, flow: ImportFlow):
    """The real import of the checked file: the loader validates again (the data may have changed since
    the check) and writes all or nothing; the stored file is deleted either way."""
    pending = _pending_upload(request, flow.session_key)
    if pending is None:
        messages.error(request, _("There is no checked file waiting to be imported: upload it again."))
        return redirect(flow.upload_url)
    path, name = pending
    try:
        try:
            report = flow.load(actor=request.user, path=path, dry_run=False, file_name=name or None)
        except FileRejected as rejected:
            form = _import_form(data={})
            form.add_error("file", str(rejected))
            return flow.page(request, {"state": "upload", "form": form})
        context = {
            "state": "done" if report.written else "report",
            "confirm_failed": not report.written,
            "form": _import_form(),
            **_report_context(report, path, name, flow.rows_table),
        }
    finally:
        _discard_upload(request, flow.session_key)
    return flow.page(request, context)


PERSON_IMPORT = ImportFlow(load=persons_import, page=_person_import_page, upload_url="registry-import")


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
    pending = _pending_upload(request)
    if pending is None:
        messages.error(request, _("There is no checked file waiting to be imported: upload it again."))
        return redirect("registry-import")
    path, _name = pending
    try:
        report = persons_import(actor=request.user, path=path, dry_run=True)
    except FileRejected as rejected:
        messages.error(request, str(rejected))
        return redirect("registry-import")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["行 row", "列 column", "错误 error"])
    for error in report.errors:
        writer.writerow([error["row"], spreadsheet_safe(error["column"]), spreadsheet_safe(error["message"])])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
    response["Cache-Control"] = "no-store"
    return response


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
