"""The public quota-compliance disclosure (按比例就业公示; E2) and the staff page of the working
committee's member units (E3, T2). docs/disclosure.md.

Public: ``/quota/`` (the years), ``/quota/<year>/`` (the list, searchable, 100 a page), and its downloads
``/quota/<year>.xlsx``, ``/quota/<year>/credit.csv`` and ``/quota/<year>/credit.json`` (the credit
platform's schema). A year with nothing approved is a page that says so, and downloads with no records
(an empty list is an answer); a year that is not four digits is 404.

Staff: ``/staff/member-units/<year>/`` and its xlsx, for district staff and street officers (a street
officer sees the member units of their street)."""

from __future__ import annotations

import shutil
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from xiaokang.accounts.actors import scope_of
from xiaokang.audit.services import log_action
from xiaokang.core.capabilities import requires
from xiaokang.core.selectors import area_name
from xiaokang.employment import disclosure
from xiaokang.registry.views_batch import _download, _private_dir

MEETS_CHOICES = ("", "yes", "no")
# The employer types in English, shown under the Chinese name on English pages.
TYPE_EN = {
    "enterprise": _("enterprise"),
    "government_organ": _("government organ"),
    "public_institution": _("public institution"),
    "social_organization": _("social organization"),
    "private_non_enterprise": _("private non-enterprise unit"),
}


def _with_type(rows) -> list[dict]:
    return [{"row": row, "type_en": TYPE_EN.get(row.employer_type, "")} for row in rows]


def _year_or_404(year: int) -> int:
    if not 1000 <= year <= 9999:
        raise Http404("not a levy year")
    return year


# ---------------------------------------------------------------------------------------------------
# Public pages


@require_safe
def disclosure_years(request):
    return render(request, "employment/disclosure/years.html", {"years": disclosure.disclosure_years()})


@require_safe
def disclosure_page(request, year: int):
    _year_or_404(year)
    search = request.GET.get("q", "").strip()[: disclosure.MAX_SEARCH]
    meets_choice = request.GET.get("meets", "")
    if meets_choice not in MEETS_CHOICES:
        meets_choice = ""
    meets = {"yes": True, "no": False}.get(meets_choice)

    year_totals = disclosure.disclosure_totals(disclosure.disclosure_queryset(year))
    queryset = disclosure.disclosure_queryset(year, search=search, meets=meets)
    filtered = bool(search or meets_choice)
    found = disclosure.disclosure_totals(queryset) if filtered else year_totals
    paginator = Paginator(queryset, disclosure.PAGE_SIZE, allow_empty_first_page=True)
    # The count is known already: no second COUNT query for the paginator.
    paginator.count = found.employers
    page = paginator.get_page(request.GET.get("page"))
    rows = list(disclosure.disclosure_rows(page.object_list))

    def page_url(number: int) -> str:
        params = {key: value for key, value in (("q", search), ("meets", meets_choice)) if value}
        if number > 1:
            params["page"] = number
        return "?" + urlencode(params) if params else request.path

    ratios = disclosure.quota_ratios(year) if year_totals.employers else []
    return render(
        request,
        "employment/disclosure/page.html",
        {
            "year": year,
            "rows": _with_type(rows),
            "page": page,
            "year_totals": year_totals,
            "found": found,
            "search": search,
            "meets_choice": meets_choice,
            "filtered": filtered,
            # After a search, a filter or a page change the count of results takes focus.
            "focus_results": bool(filtered or "page" in request.GET),
            "previous_url": page_url(page.previous_page_number()) if page.has_previous() else None,
            "next_url": page_url(page.next_page_number()) if page.has_next() else None,
            "quota_percents": [disclosure.plain_decimal(ratio * 100) for ratio in ratios],
            "other_years": [other for other in disclosure.approved_years() if other != year],
        },
    )


@require_safe
def disclosure_xlsx(request, year: int):
    _year_or_404(year)
    path = _private_dir() / "disclosure.xlsx"
    try:
        disclosure.disclosure_write(year, "xlsx", path)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return _download(path, f"quota-disclosure-{year}.xlsx")


def _attachment(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def disclosure_credit_csv(request, year: int):
    _year_or_404(year)
    return _attachment(
        disclosure.credit_csv_text(year), "text/csv; charset=utf-8", f"quota-disclosure-{year}.csv"
    )


@require_safe
def disclosure_credit_json(request, year: int):
    _year_or_404(year)
    return _attachment(disclosure.credit_json_text(year), "application/json", f"quota-disclosure-{year}.json")


# ---------------------------------------------------------------------------------------------------
# Member units (staff)


def _area_name(user) -> str:
    scope = scope_of(user)
    if scope.kind == "street":
        return area_name(scope.area_id, default="")
    return area_name(None)


def _member_units_page(request, year: int):
    rows, totals = disclosure.member_units(request.user, year)
    scope = scope_of(request.user)
    years = sorted(set(disclosure.member_unit_years()) | {year, timezone.localdate().year}, reverse=True)
    return render(
        request,
        "employment/disclosure/member_units.html",
        {
            "year": year,
            "rows": _with_type(rows),
            "totals": totals,
            "street_name": _area_name(request.user) if scope.kind == "street" else None,
            "years": years,
        },
    )


@require_safe
@requires("member_units.read")
def member_units_latest(request):
    """The latest year any member unit declared for (this year when none has)."""
    years = disclosure.member_unit_years()
    return _member_units_page(request, years[0] if years else timezone.localdate().year)


@require_safe
@requires("member_units.read")
def member_units_page(request, year: int):
    return _member_units_page(request, _year_or_404(year))


@require_safe
@requires("member_units.read")
def member_units_xlsx(request, year: int):
    _year_or_404(year)
    rows, totals = disclosure.member_units(request.user, year)
    area = _area_name(request.user)
    path = _private_dir() / "member-units.xlsx"
    try:
        disclosure.write_member_units_xlsx(path, year, rows, totals, area)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    log_action(
        request.user,
        "member_units.export",
        object_type="member_units",
        object_id=str(year),
        details={"units": totals.units, "area": area},
    )
    return _download(path, f"member-units-{year}.xlsx")
