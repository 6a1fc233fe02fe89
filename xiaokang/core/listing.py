"""The one mechanism of the staff lists (P2, P3, S4, G2, U11; docs/architecture/listing.md): declared
sortable columns, the sort links of a table's header, and the xlsx export of the filtered result.

A list declares a ``Listing``: its name (the audit's word for it), its sortable columns (each a key
for the address and the model fields it orders by) and the default order. What the address asks for is
only ever looked up in that declaration: ``?sort=password`` or ``?sort=-person__id_number_hash`` is not
a key, so the list keeps its default order and nothing from the request reaches ``order_by``.

Filters stay with the list's form and its selector, which starts from the actor's scoped queryset
(``for_actor``): a street or community asked for in the address narrows that queryset, it never
replaces it, so a street officer asking for another street gets an empty list, not that street.

The export writes the same scoped, filtered and sorted rows the page shows (every page of them) with
``core.xlsx`` (formula-safe, ``constant_memory``: rows stream to a temporary file, memory does not grow
with the count) and stops at ``Listing.export_cap`` rows, saying so in the file's last row: a list of
more rows than that is not read by anyone, it is a bulk extract, which has its own audited page (the
person export, R5). The caller records the export in the audit trail with its filters and row count;
core sits below the audit app (ARCHITECTURE rule 3) and cannot record it itself.

core imports no app: masking is the caller's column (``id_number_masked`` unless the actor may see the
full number), and the audit event is the caller's ``record_read``/``log_action``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import FileResponse

from xiaokang.core import xlsx

SORT_PARAMETER = "sort"
EXPORT_PARAMETER = "export"
# Rows an export writes at most (the file says when it stopped); a list longer than this is a bulk
# extract, the registry's export page's job.
DEFAULT_EXPORT_CAP = 20_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """A sortable column: ``key`` is what the address says (``?sort=key``, ``?sort=-key`` descending),
    ``order_by`` the model fields it sorts by, declared by the list, never taken from the request."""

    key: str
    label: object  # a (lazy) translated header
    order_by: tuple[str, ...]


@dataclass(frozen=True)
class Listing:
    name: str  # the audit's name of the list ("application", "outreach" …)
    columns: tuple[Column, ...]
    default_sort: str  # a column key, optionally "-key"
    export_cap: int = DEFAULT_EXPORT_CAP
    _by_key: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_key", {column.key: column for column in self.columns})
        if self.default_sort.lstrip("-") not in self._by_key:
            raise ValueError(f"{self.name}: default sort {self.default_sort!r} is not a declared column")

    def sort_key(self, requested: str | None) -> str:
        """The requested sort if it names a declared column (with an optional leading ``-``), else the
        default: anything else in the address is ignored."""
        requested = (requested or "").strip()
        column = requested.removeprefix("-")
        return requested if column in self._by_key else self.default_sort

    def order(self, queryset, requested: str | None, *, tie_breaker: str = "pk"):
        """``queryset`` ordered by the declared column ``requested`` names (the default otherwise), then
        by ``tie_breaker`` so that pages never overlap."""
        key = self.sort_key(requested)
        descending = key.startswith("-")
        fields = self._by_key[key.lstrip("-")].order_by
        ordering = [f"-{name}" if descending else name for name in fields]
        return queryset.order_by(*ordering, f"-{tie_breaker}" if descending else tie_breaker)

    def headers(self, query: Mapping[str, str], requested: str | None) -> dict[str, dict]:
        """Per sortable column key: ``url`` (the list sorted by it, the filter kept, page 1), ``aria``
        (``ascending``/``descending`` on the current one, for ``aria-sort``) and ``next`` (what
        following the link does)."""
        current = self.sort_key(requested)
        kept = {k: v for k, v in query.items() if k not in (SORT_PARAMETER, "page", EXPORT_PARAMETER) and v}
        out = {}
        for column in self.columns:
            if current == column.key:
                aria, target = "ascending", f"-{column.key}"
            elif current == f"-{column.key}":
                aria, target = "descending", column.key
            else:
                aria, target = "", column.key
            out[column.key] = {
                "url": "?" + urlencode({**kept, SORT_PARAMETER: target}),
                "aria": aria,
                "next": "descending" if target.startswith("-") else "ascending",
                "label": column.label,
            }
        return out


def filter_query(query: Mapping[str, str], *, drop: Sequence[str] = ("page", EXPORT_PARAMETER)) -> dict:
    """The list's address parameters that shape its rows (filters and sort), without the page and the
    export switch: what the pagination and the export link keep, and what the audit records."""
    return {key: value for key, value in query.items() if key not in drop and value}


@dataclass(frozen=True)
class Export:
    """What an export wrote: its row count and whether it stopped at the cap."""

    rows: int
    truncated: bool


def xlsx_export(
    *,
    filename: str,
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    cap: int,
    capped_note: Callable[[int], str],
) -> tuple[FileResponse, Export]:
    """The rows as one xlsx sheet, streamed to a temporary file (``constant_memory``) and sent as a
    download named ``filename``. At most ``cap`` rows; when there were more, a last row
    ``capped_note(cap)`` says the file stops there. The caller audits the returned ``Export``."""
    # An anonymous temporary file (nothing left on disk by name); FileResponse closes it when sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    book = xlsx.workbook(handle, constant_memory=True)
    worksheet = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    xlsx.write_row(worksheet, 0, 0, [str(title) for title in header], bold)
    worksheet.freeze_panes(1, 1)  # the header and the key column stay in view
    count, truncated = 0, False
    for values in rows:
        if count == cap:
            truncated = True
            break
        count += 1
        xlsx.write_row(worksheet, count, 0, values)
    if truncated:
        xlsx.write_cell(worksheet, count + 1, 0, capped_note(cap))
    book.close()
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response, Export(count, truncated)
