"""The upload → check → confirm pages of any dataset (R5): the pieces an app's views put together.

The upload is refused while it arrives once it passes XIAOKANG_IMPORT_MAX_BYTES
(``SizeLimitUploadHandler``), stored under a random name readable by the server only, checked by a dry
run of the dataset (the report: counts, warnings, every error by row and column, the rows in error as in
the file with each wrong cell marked, ``templates/importing/_rows_in_error.html``), and kept for the
confirmation under the flow's own session key; confirming imports it for real (validated again) and
deletes it either way. The full error list downloads as CSV (``import_errors_csv``), each cell made safe
for a spreadsheet. Roles are the view's business: these pieces run after the view's own gate."""

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
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from xiaokang.core.importing.columns import Column
from xiaokang.core.importing.dataset import Dataset
from xiaokang.core.importing.forms import ImportUploadForm
from xiaokang.core.importing.reader import FileRejected, read_table
from xiaokang.core.importing.report import Report
from xiaokang.core.importing.template import write_template
from xiaokang.core.safe_text import spreadsheet_safe

# The person import's session key (each flow has its own): {"token": hex, "name": the file's name}.
SESSION_KEY = "registry_import"
UPLOAD_PREFIX = "import-"
_TOKEN = re.compile(r"[0-9a-f]{32}")
# An upload nobody confirmed is deleted at the next upload after this long (the session has long expired:
# 30 idle minutes), so a spreadsheet of ID numbers does not stay on the server.
UPLOAD_MAX_AGE = dt.timedelta(hours=2)

# A page is read by people: beyond these, the page says how many more there are.
ERRORS_SHOWN = 1000
ROWS_SHOWN = 200


# ---------------------------------------------------------------------------------------------------
# The empty template, linked from every import page (R5)


def import_template_download(dataset: Dataset, filename: str) -> FileResponse:
    """The dataset's empty import template (``core.importing.template``) as a download: written in a
    private temporary directory that is removed as the file is opened (nothing lingers on the server)."""
    directory = Path(tempfile.mkdtemp(prefix="xiaokang-template-"))
    path = directory / "template.xlsx"
    write_template(dataset, path)
    handle = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    shutil.rmtree(directory, ignore_errors=True)
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


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


def _rows_in_error(path: Path, errors: list[dict], columns: tuple[Column, ...]) -> dict:
    """The rows that have errors, as the file has them (the columns the importer reads, headed as in the
    file), each cell with its error message or None: what the page shows with the cells marked."""
    rows_wanted = sorted({e["row"] for e in errors if e["row"] >= 2})
    sheet = read_table(path, columns)
    fields = [c.field for c in columns if c.field in sheet.headers]
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


def _report_context(report: Report, path: Path, name: str, columns: tuple[Column, ...] | None) -> dict:
    in_error = _rows_in_error(path, report.errors, columns) if report.errors and columns else None
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


@dataclass(frozen=True)
class ImportFlow:
    """What one dataset's pages bring to the shared flow upload → check (dry run) → confirm: the dataset
    (or only a loader, ``load(actor=, path=, dry_run=, file_name=)`` giving a Report), how its page renders
    a context, where to upload again, and its session key (each import keeps its own, so two imports never
    confuse their files). ``rows_table``: the check page shows the rows in error with their cells marked
    (needs the dataset's columns)."""

    page: object
    upload_url: str
    dataset: Dataset | None = None
    load: object = None
    session_key: str = SESSION_KEY
    rows_table: bool = True

    def run(self, **kwargs) -> Report:
        if self.load is not None:
            return self.load(**kwargs)
        return self.dataset.load(**kwargs)

    @property
    def columns(self) -> tuple[Column, ...] | None:
        return self.dataset.columns if self.rows_table and self.dataset is not None else None


def import_upload(request, flow: ImportFlow):
    """The upload page of an import, for a view marked ``@csrf_exempt`` (and its capability): the size
    limit goes in place before anything reads the body, then CSRF is checked and ``import_check`` runs
    (Django's documented pattern: upload handlers can only change before CSRF checking reads the body)."""
    handler = None
    if request.method == "POST":
        handler = SizeLimitUploadHandler(request, settings.XIAOKANG_IMPORT_MAX_BYTES)
        request.upload_handlers.insert(0, handler)
    return _checked_upload(request, handler, flow)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _checked_upload(request, handler, flow: ImportFlow):
    return import_check(request, handler, flow)


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
        report = flow.run(actor=request.user, path=path, dry_run=True)
    except FileRejected as rejected:
        path.unlink(missing_ok=True)
        form.add_error("file", str(rejected))
        return page(request, {"state": "upload", "form": form})
    request.session[flow.session_key] = {"token": token, "name": name}
    context = {
        "state": "report",
        "form": _import_form(),
        **_report_context(report, path, name, flow.columns),
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
            report = flow.run(actor=request.user, path=path, dry_run=False, file_name=name or None)
        except FileRejected as rejected:
            form = _import_form(data={})
            form.add_error("file", str(rejected))
            return flow.page(request, {"state": "upload", "form": form})
        context = {
            "state": "done" if report.written else "report",
            "confirm_failed": not report.written,
            "form": _import_form(),
            **_report_context(report, path, name, flow.columns),
        }
    finally:
        _discard_upload(request, flow.session_key)
    return flow.page(request, context)


def import_errors_csv(request, flow: ImportFlow):
    """Every error of the checked file as CSV (row, column, message), for a file with more errors than
    the page lists: the same list as the command line's --report, each cell safe for a spreadsheet."""
    pending = _pending_upload(request, flow.session_key)
    if pending is None:
        messages.error(request, _("There is no checked file waiting to be imported: upload it again."))
        return redirect(flow.upload_url)
    path, _name = pending
    try:
        report = flow.run(actor=request.user, path=path, dry_run=True)
    except FileRejected as rejected:
        messages.error(request, str(rejected))
        return redirect(flow.upload_url)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["行 row", "列 column", "错误 error"])
    for error in report.errors:
        writer.writerow([error["row"], spreadsheet_safe(error["column"]), spreadsheet_safe(error["message"])])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
    response["Cache-Control"] = "no-store"
    return response
