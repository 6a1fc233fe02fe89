"""Staff pages for the monthly payment rosters, outreach tasks and review tasks (P3, S5, R7).

- Rosters (发放名册): for a month, each cash policy's roster (none, a draft, approved) with its totals per
  street and the persons held; district staff build the draft, build it again, approve it and download
  it (xlsx, audited by ``roster_export``). A street officer sees their own street's totals and held
  persons only, and changes nothing.
- Outreach (主动救助): the open tasks in the user's area, each with a form for the answer (applied,
  declined, unreachable); "applied" records an outreach application on the person's behalf.
- Reviews: the suspended enrolments waiting for a street officer's decision (reinstate or terminate).

Views parse, call the selector or service, and render (ARCHITECTURE rule 1). Scope comes from
``for_actor`` (``open_tasks_for``, ``review_tasks_for``, ``accounts.scoping.gate``): a task outside the
user's area answers 404 as if it did not exist, and the attempt is audited. Every page is ``no-store``
(the person pages' decorators)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.accounts.forms import client_address
from xiaokang.accounts.scoping import gate
from xiaokang.cases.enrolments import review_resolve, review_tasks_for
from xiaokang.cases.forms_work import (
    OutreachAnswerForm,
    ReviewDecisionForm,
    RosterApproveForm,
    RosterBuildForm,
    RosterFilterForm,
)
from xiaokang.cases.models import OutreachTask, ReviewTask, Roster, RosterLine
from xiaokang.cases.outreach import open_tasks_for, outreach_record_outcome
from xiaokang.cases.rosters import (
    RosterError,
    RosterSummary,
    cash_policy_ids,
    roster_approve,
    roster_build,
    roster_export,
    summarise,
)
from xiaokang.cases.services import WorkflowError
from xiaokang.cases.views import policy_name
from xiaokang.core.capabilities import can, requires
from xiaokang.core.language import in_page_language
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.templatetags.policy_money import yuan
from xiaokang.registry.reading import record_read
from xiaokang.registry.views_batch import _download, _private_dir
from xiaokang.registry.views_persons import _see_other

# Who may open each page (P3, S5, R7): cases/permissions.py. Building, approving and downloading a roster:
# district staff only (a roster is built for the whole district, and its export is not limited to a street).

PAGE_SIZE = 50
HELD_SHOWN = 100  # held persons listed on the page; the download has all of them


def condition_labels(policy_id: str, failed: str) -> list[str]:
    """``failed`` (condition ids, ``;``-separated, as the policy engine writes them) as the conditions'
    Chinese labels; an id the rules no longer have is shown as it is."""
    policy = policies().get(policy_id)
    labels = {condition.id: condition.zh for condition in policy.conditions} if policy else {}
    return [labels.get(part, part) for part in (failed or "").split(";") if part]


def _month_text(month) -> str:
    return f"{month:%Y-%m}"


def _zh(text: str):
    """A Chinese name inside a sentence of the page's language (a person, a policy): marked for the
    screen reader's voice."""
    return format_html('<span lang="zh-Hans">{}</span>', text)


# ---------------------------------------------------------------------------------------------------
# Rosters


def _scoped_summary(roster: Roster, user) -> RosterSummary:
    """``summarise`` for the part of the roster in the user's area: the whole roster for district staff,
    their own street for a street officer (counted in the database, one row per street)."""
    if scope_of(user).kind == "all":
        return summarise(roster)
    summary = RosterSummary(roster)
    rows = (
        RosterLine.objects.for_actor(user)
        .filter(roster=roster)
        .values("street__code", "street__name")
        .annotate(
            paid_count=Count("id", filter=Q(paid=True)),
            held_count=Count("id", filter=Q(paid=False)),
            paid_fen=Sum("amount_fen", filter=Q(paid=True)),
        )
        .order_by("street__code")
    )
    for row in rows:
        total = row["paid_fen"] or 0
        summary.by_street.append(
            {
                "street": row["street__name"],
                "paid": row["paid_count"],
                "held": row["held_count"],
                "total_fen": total,
            }
        )
        summary.paid += row["paid_count"]
        summary.held += row["held_count"]
        summary.total_fen += total
    return summary


def _held(roster: Roster, user) -> list[dict]:
    lines = (
        RosterLine.objects.for_actor(user)
        .filter(roster=roster, paid=False)
        .select_related("person", "community")
        .order_by("street__code", "community__code", "person__name", "pk")
    )
    return [
        {"line": line, "person": line.person, "failed": condition_labels(roster.policy_id, line.failed)}
        for line in lines[:HELD_SHOWN]
    ]


def _roster_sections(user, month, policy_ids: list[str]) -> list[dict]:
    rosters = {
        roster.policy_id: roster
        for roster in Roster.objects.filter(month=month, policy_id__in=policy_ids).select_related(
            "approved_by"
        )
    }
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
            section["summary"] = _scoped_summary(roster, user)
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


def _roster_or_404(pk: int) -> Roster:
    roster = Roster.objects.filter(pk=pk).first()
    if roster is None:
        raise Http404("no such roster")
    return roster


def _roster_name(roster: Roster) -> dict:
    return {"policy": _zh(policy_name(roster.policy_id)), "month": _month_text(roster.month)}


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
    messages.success(
        request,
        format_html(
            _(
                "The draft roster of {policy} for {month} has been built: {paid} paid, {total} yuan in all; "
                "{held} held. Check the totals, then approve it."
            ),
            **_roster_name(summary.roster),
            paid=summary.paid,
            total=yuan(summary.total_fen),
            held=summary.held,
        ),
    )
    return _see_other(_roster_list_url(month, shown))


@require_POST
@requires("roster.approve")
def roster_approve_view(request, roster_pk: int):
    """Approve the draft the officer read: if it was built again since (other totals), nothing is
    approved and the page shows the new totals (409)."""
    roster = _roster_or_404(roster_pk)
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
    summary = summarise(roster)
    messages.success(
        request,
        format_html(
            _(
                "Approved: the roster of {policy} for {month}, {paid} paid, {total} yuan in all; "
                "{held} held. It is locked now."
            ),
            **_roster_name(roster),
            paid=summary.paid,
            total=yuan(summary.total_fen),
            held=summary.held,
        ),
    )
    return _see_other(_roster_list_url(roster.month, shown))


@require_POST
@requires("roster.download")
def roster_download(request, roster_pk: int):
    """The roster as an xlsx file (paid, then held on a second sheet), written in a private temporary
    directory that is gone once the file is sent. ``roster_export`` audits it and decides whether ID
    numbers are in full (the district administrator only)."""
    roster = _roster_or_404(roster_pk)
    path = _private_dir() / "roster.xlsx"
    try:
        roster_export(actor=request.user, rosters=[roster], path=path)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    state = "approved" if roster.approved else "draft"
    return _download(path, f"roster-{roster.policy_id}-{roster.month:%Y-%m}-{state}.xlsx")


# ---------------------------------------------------------------------------------------------------
# Outreach and review tasks: one list page each, one POST form per task


@dataclass
class Answering:
    """The form of the task that was just posted, with its errors, shown again in its place."""

    pk: int
    form: object


def _task_or_404(request, queryset, pk: int, object_type: str):
    """A task in the user's area, whatever its status (an answered one is a conflict, not a 404); out
    of scope or missing: 404, audited (``accounts.scoping.gate``)."""
    return gate(
        queryset,
        pk,
        actor=request.user,
        object_type=object_type,
        client=client_address(request),
        message="no such task",
    )


def _page_of(request) -> str:
    """The page of the list the form was posted from (the paginator reads anything else as page 1)."""
    return request.POST.get("page", "")[:10]


def _list_url(name: str, page: str) -> str:
    """Back to the list, on the page the form was posted from."""
    url = reverse(name)
    return f"{url}?{urlencode({'page': page})}" if page.isdigit() and page != "1" else url


def _render_outreach(request, *, page_number=None, status=200, answering=None, problem=None):
    tasks = (
        open_tasks_for(request.user)
        .select_related("person", "community")
        .order_by("created_at", "community__code", "person_id", "pk")
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(page_number)
    rows = []
    for task in page.object_list:
        if answering is not None and answering.pk == task.pk:
            form = answering.form
        else:
            form = OutreachAnswerForm(auto_id=f"task-{task.pk}-%s")
        policy = policy_name(task.policy_id)
        rows.append(
            {
                "task": task,
                "policy": policy,
                "form": form,
                "title_id": f"task-{task.pk}-title",
                "detail": f"{task.person.name} {policy}",
            }
        )
    record_read(
        request.user,
        "outreach.list",
        rows=len(rows),
        details={"page": page.number},
        limited=False,
        object_type="outreach",
    )  # a list of persons: one audit event (U11)
    return render(
        request,
        "cases/work/outreach.html",
        {"rows": rows, "page": page, "problem": problem, "area": request.user.area},
        status=status,
    )


@require_GET
@requires("outreach.read")
def outreach_list(request):
    return _render_outreach(request, page_number=request.GET.get("page"))


def _problem(pk: int, form, message: str = "", *, field: str = "") -> dict:
    """What the error summary lists: the form's errors, each linking to its field in the task's form
    (a group of radio buttons: its first button), or one message (linking to ``field`` if given)."""

    def target(name: str) -> str:
        if name in ("outcome", "decision"):
            return f"#task-{pk}-{name}_0"
        return f"#task-{pk}-{name}" if name in ("note",) else ""

    entries = []
    if form is not None:
        for name, errors in form.errors.items():
            label = form[name].label if name in form.fields else ""
            entries += [{"href": target(name), "label": label, "message": error} for error in errors]
    if message:
        entries.append({"href": target(field), "label": "", "message": message})
    return {"pk": pk, "entries": entries}


def _answer(request, task, form, render, act, *, stale_message: str, field: str):
    """What outreach answers and review decisions share: an incomplete form (422), a task someone else
    answered first (409), a refusal by the service (422). Returns (response, None) on an error, else
    (None, what ``act(cleaned_data)`` returned)."""
    if not form.is_valid():
        return render(status=422, answering=Answering(task.pk, form), problem=_problem(task.pk, form)), None
    try:
        return None, act(form.cleaned_data)
    except WorkflowError as error:
        if error.kind == "stale":
            return render(status=409, problem=_problem(task.pk, None, stale_message)), None
        problem = _problem(task.pk, None, in_page_language(error.message), field=field)
        return render(status=422, answering=Answering(task.pk, form), problem=problem), None


@require_POST
@requires("outreach.answer")
def outreach_answer(request, task_pk: int):
    client = client_address(request)
    task = _task_or_404(request, OutreachTask, task_pk, "outreach")
    form = OutreachAnswerForm(request.POST, auto_id=f"task-{task.pk}-%s")
    error, application = _answer(
        request,
        task,
        form,
        partial(_render_outreach, request, page_number=_page_of(request)),
        lambda data: outreach_record_outcome(
            actor=request.user, task=task, outcome=data["outcome"], note=data["note"], client=client
        ),
        stale_message=_(
            "This task had already been answered, perhaps by a colleague: nothing has been recorded now."
        ),
        field="outcome",
    )
    if error is not None:
        return error
    outcome = form.cleaned_data["outcome"]
    names = {"person": _zh(task.person.name), "policy": _zh(policy_name(task.policy_id))}
    if outcome == "applied":
        link = format_html(
            '<a href="{}">{}</a>', reverse("application-detail", args=[application.pk]), application.number
        )
        note = format_html(
            _("Recorded: {person} applies for {policy}. Application {link} is waiting to be accepted."),
            link=link,
            **names,
        )
    elif outcome == "declined":
        note = format_html(_("Recorded: {person} does not want to apply for {policy}."), **names)
    else:
        note = format_html(_("Recorded: {person} could not be reached about {policy}."), **names)
    messages.success(request, note)
    return _see_other(_list_url("outreach-list", _page_of(request)))


def _render_reviews(request, *, page_number=None, status=200, answering=None, problem=None):
    tasks = (
        review_tasks_for(request.user)
        .select_related("enrolment__person", "community")
        .order_by("created_at", "community__code", "pk")
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(page_number)
    rows = []
    for task in page.object_list:
        if answering is not None and answering.pk == task.pk:
            form = answering.form
        else:
            form = ReviewDecisionForm(auto_id=f"task-{task.pk}-%s")
        enrolment = task.enrolment
        policy = policy_name(enrolment.policy_id)
        rows.append(
            {
                "task": task,
                "enrolment": enrolment,
                "person": enrolment.person,
                "policy": policy,
                "failed": condition_labels(enrolment.policy_id, task.failed),
                "form": form,
                "title_id": f"task-{task.pk}-title",
                "detail": f"{enrolment.person.name} {policy}",
            }
        )
    record_read(
        request.user,
        "review.list",
        rows=len(rows),
        details={"page": page.number},
        limited=False,
        object_type="review",
    )  # a list of persons: one audit event (U11)
    return render(
        request,
        "cases/work/reviews.html",
        {"rows": rows, "page": page, "problem": problem, "area": request.user.area},
        status=status,
    )


@require_GET
@requires("enrolment.review")
def review_list(request):
    return _render_reviews(request, page_number=request.GET.get("page"))


@require_POST
@requires("enrolment.review")
def review_decide(request, task_pk: int):
    client = client_address(request)
    task = _task_or_404(
        request,
        ReviewTask.objects.for_actor(request.user).select_related("enrolment__person"),
        task_pk,
        "review",
    )
    form = ReviewDecisionForm(request.POST, auto_id=f"task-{task.pk}-%s")
    error, _resolved = _answer(
        request,
        task,
        form,
        partial(_render_reviews, request, page_number=_page_of(request)),
        lambda data: review_resolve(
            actor=request.user, task=task, decision=data["decision"], note=data["note"], client=client
        ),
        stale_message=_(
            "This review had already been decided, perhaps by a colleague: nothing has been changed now."
        ),
        field="decision",
    )
    if error is not None:
        return error
    decision = form.cleaned_data["decision"]
    names = {"person": _zh(task.enrolment.person.name), "policy": _zh(policy_name(task.enrolment.policy_id))}
    if decision == "reinstate":
        note = format_html(_("Reinstated: {person} receives {policy} again from the next roster."), **names)
    else:
        note = format_html(_("Terminated: {person} no longer receives {policy}."), **names)
    messages.success(request, note)
    return _see_other(_list_url("review-list", _page_of(request)))
