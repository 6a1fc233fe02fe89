"""The monthly payment rosters page (发放名册, P3, S5): for a month, each cash policy's roster (none, a
draft, approved) with its totals per street and the persons held; district staff build the draft, build
it again, approve it and download it (xlsx, audited by ``roster_export``). A street officer sees their
own street's totals and held persons only, and changes nothing.

Views parse, call the selector or service (cases/rosters.py), and render (ARCHITECTURE rule 1). Who may
open each page: cases/permissions.py; building, approving and downloading a roster: district staff only
(a roster is built for the whole district, and its export is not limited to a street)."""

from __future__ import annotations

import shutil

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.cases.forms.work import RosterApproveForm, RosterBuildForm, RosterFilterForm
from xiaokang.cases.rosters import (
    RosterError,
    cash_policy_ids,
    held_lines,
    roster_approve,
    roster_build,
    roster_export,
    roster_or_404,
    rosters_of,
    summarise,
)
from xiaokang.cases.views.common import condition_labels, policy_name, see_other, zh
from xiaokang.core.capabilities import can, requires
from xiaokang.core.language import in_page_language
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.templatetags.policy_money import yuan
from xiaokang.registry.reading import record_read
from xiaokang.registry.views_batch import _download, _private_dir

HELD_SHOWN = 100  # held persons listed on the page; the download has all of them


def _month_text(month) -> str:
    return f"{month:%Y-%m}"


def _held(roster, user) -> list[dict]:
    return [
        {"line": line, "person": line.person, "failed": condition_labels(roster.policy_id, line.failed)}
        for line in held_lines(roster, user, HELD_SHOWN)
    ]


def _roster_sections(user, month, policy_ids: list[str]) -> list[dict]:
    rosters = rosters_of(month, policy_ids)
    sections = []
    for policy_id in policy_ids:
        roster = rosters.get(policy_id)
        section = {
            "policy_id": policy_id,
            "policy": policies()[policy_id],
            "roster": roster,
            "state": "none" if roster is None else ("approved" if roster.approved else "draft"),
        }
        if roster is not None:
            section["summary"] = summarise(roster, user)
            section["held"] = _held(roster, user)
        sections.append(section)
    return sections


def _roster_list_url(month, shown: str = "") -> str:
    query = {"month": _month_text(month)}
    if shown:
        query["policy"] = shown
    return f"{reverse('roster-list')}?{urlencode(query)}"


def _render_rosters(request, *, month, shown: str = "", form=None, status: int = 200, problem: str = ""):
    """The rosters page for ``month`` (every cash policy, or ``shown``); ``problem``: why a build or an
    approval was refused (an error summary, nothing changed)."""
    form = form or RosterFilterForm(initial={"month": month, "policy": shown})
    sections = []
    if month is not None:
        sections = _roster_sections(request.user, month, [shown] if shown else cash_policy_ids())
        held = sum(len(section.get("held", [])) for section in sections)
        if held:  # the held lines name persons: one audit event for the page (U11)
            record_read(
                request.user,
                "roster.list",
                rows=held,
                details={"month": _month_text(month), "policy": shown},
                limited=False,
                object_type="roster",
            )
    return render(
        request,
        "cases/work/rosters.html",
        {
            "filter_form": form,
            "month": month,
            "month_text": _month_text(month) if month else "",
            "shown": shown,
            "sections": sections,
            "district": can(request.user, "roster.build"),
            "street_only": scope_of(request.user).kind == "street",
            "area": request.user.area,
            "held_shown": HELD_SHOWN,
            "problem": problem,
        },
        status=status,
    )


def _this_month():
    return timezone.localdate().replace(day=1)


@require_GET
@requires("roster.read")
def roster_list(request):
    form = RosterFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _render_rosters(request, month=None, form=form)
    data = form.cleaned_data if form.is_bound else {}
    return _render_rosters(request, month=data.get("month") or _this_month(), shown=data.get("policy") or "")


def _shown(request) -> str:
    """The policy filter of the page the form was posted from (kept on the way back)."""
    shown = request.POST.get("show", "")
    return shown if shown in cash_policy_ids() else ""


def _roster_name(roster) -> dict:
    return {"policy": zh(policy_name(roster.policy_id)), "month": _month_text(roster.month)}


def _with_totals(text: str, summary) -> str:
    """``text`` with the roster's name and its totals (paid, yuan in all, held) filled in."""
    return format_html(
        text,
        **_roster_name(summary.roster),
        paid=summary.paid,
        total=yuan(summary.total_fen),
        held=summary.held,
    )


@require_POST
@requires("roster.build")
def roster_build_view(request):
    form = RosterBuildForm(request.POST)
    shown = _shown(request)
    if not form.is_valid():
        return _render_rosters(
            request,
            month=_this_month(),
            shown=shown,
            status=422,
            problem=_("The form was not complete. Reload the page and try again."),
        )
    policy_id, month = form.cleaned_data["policy"], form.cleaned_data["month"]
    try:
        summary = roster_build(actor=request.user, policy_id=policy_id, month=month)
    except RosterError as error:
        return _render_rosters(
            request, month=month, shown=shown, status=409, problem=in_page_language(str(error))
        )
    text = _(
        "The draft roster of {policy} for {month} has been built: {paid} paid, {total} yuan in all; "
        "{held} held. Check the totals, then approve it."
    )
    messages.success(request, _with_totals(text, summary))
    return see_other(_roster_list_url(month, shown))


@require_POST
@requires("roster.approve")
def roster_approve_view(request, roster_pk: int):
    """Approve the draft the officer read: if it was built again since (other totals), nothing is
    approved and the page shows the new totals (409)."""
    roster = roster_or_404(roster_pk)
    shown = _shown(request)
    form = RosterApproveForm(request.POST)
    if not form.is_valid():
        return _render_rosters(
            request,
            month=roster.month,
            shown=shown,
            status=422,
            problem=_("The form was not complete. Reload the page and try again."),
        )
    if not roster.approved and form.cleaned_data["built"] != roster.built_at.isoformat():
        return _render_rosters(
            request,
            month=roster.month,
            shown=shown,
            status=409,
            problem=format_html(
                _(
                    "The draft roster of {policy} for {month} was built again after you opened the page. "
                    "Nothing has been approved. Check its totals below, then approve it."
                ),
                **_roster_name(roster),
            ),
        )
    try:
        # The build the officer read is checked again under the roster's lock (no race with a rebuild).
        roster = roster_approve(actor=request.user, roster=roster, built_at=roster.built_at)
    except RosterError as error:
        return _render_rosters(
            request, month=roster.month, shown=shown, status=409, problem=in_page_language(str(error))
        )
    text = _(
        "Approved: the roster of {policy} for {month}, {paid} paid, {total} yuan in all; "
        "{held} held. It is locked now."
    )
    messages.success(request, _with_totals(text, summarise(roster)))
    return see_other(_roster_list_url(roster.month, shown))


@require_POST
@requires("roster.download")
def roster_download(request, roster_pk: int):
    """The roster as an xlsx file (paid, then held on a second sheet), written in a private temporary
    directory that is gone once the file is sent. ``roster_export`` audits it and decides whether ID
    numbers are in full (the district administrator only)."""
    roster = roster_or_404(roster_pk)
    path = _private_dir() / "roster.xlsx"
    try:
        roster_export(actor=request.user, rosters=[roster], path=path)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    state = "approved" if roster.approved else "draft"
    return _download(path, f"roster-{roster.policy_id}-{roster.month:%Y-%m}-{state}.xlsx")
