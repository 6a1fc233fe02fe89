"""The application pages (S4): each officer's queue sorted by deadline, an application with its
timeline and the actions the officer may take now, its decision notice, recording a counter or outreach
application, and the person page's "Applications" section.

Views parse, call the selector or service, and render (ARCHITECTURE rule 1). Scope is decided by
``applications_for`` / ``application_for`` (404 out of scope, audited) and, for a new application, by
the registry's ``person_for``; the workflow's rules (state, role, reason, version) by
``services.application_transition``. Every page is ``no-store`` (the decorators of the person pages)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.cases.evidence import document_checklist
from xiaokang.cases.forms.applications import ApplicationForm, QueueFilterForm, TransitionForm
from xiaokang.cases.models import Application, State
from xiaokang.cases.notices import notice_context, receipt_context
from xiaokang.cases.selectors import (
    APPLICATIONS,
    REVIEW_STATES,
    QueueFilters,
    application_documents,
    application_events,
    application_for,
    application_queue,
    decision_event,
    grant_of,
    person_applications,
)
from xiaokang.cases.services import (
    TEMPORARY_POLICY_ID,
    WorkflowError,
    application_submit,
    application_transition,
    conflicting_step,
    duty_message,
    steps_taken_by,
)
from xiaokang.cases.temporary import grant_status, review_conflict
from xiaokang.cases.views.common import (
    DUE_SOON_WORKING_DAYS,
    PAGE_SIZE,
    capped_note,
    channel_label,
    log_view,
    pdf_response,
    policy_name,
    see_other,
    state_label,
    submit_once,
)
from xiaokang.cases.workflow import STEPS, actions_from, progress_of
from xiaokang.core.capabilities import can, requires
from xiaokang.core.language import in_page_language, is_chinese
from xiaokang.core.listing import EXPORT_PARAMETER, SORT_PARAMETER, xlsx_export
from xiaokang.core.workdays import working_days_between
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.selectors import decision_for_person
from xiaokang.registry.reading import record_read
from xiaokang.registry.selectors import disclosure_for, person_for

# The timeline: what happened, in the past tense.
EVENT_LABELS = {
    "submit": gettext_lazy("Received"),
    "accept": gettext_lazy("Accepted"),
    "return": gettext_lazy("Returned (not accepted)"),
    "forward": gettext_lazy("Forwarded"),
    "send_back": gettext_lazy("Sent back"),
    "approve": gettext_lazy("Approved"),
    "reject": gettext_lazy("Rejected"),
    "enrol": gettext_lazy("Enrolled"),
    "appeal": gettext_lazy("Appeal recorded"),
    "grant": gettext_lazy("Granted on the spot (temporary assistance)"),
    "confirm": gettext_lazy("Confirmed by the district's review"),
}
# The forms: what the officer can do now (heading and button), by state and action.
ACTION_TITLES = {
    (State.SUBMITTED, "accept"): gettext_lazy("Accept the application"),
    (State.SUBMITTED, "return"): gettext_lazy("Return it: not accepted"),
    (State.COMMUNITY_REVIEW, "forward"): gettext_lazy("Forward to the street review"),
    (State.STREET_REVIEW, "forward"): gettext_lazy("Forward to the district decision"),
    (State.STREET_REVIEW, "send_back"): gettext_lazy("Send back to the community review"),
    (State.DISTRICT_REVIEW, "send_back"): gettext_lazy("Send back to the street review"),
    (State.DISTRICT_REVIEW, "approve"): gettext_lazy("Approve"),
    (State.DISTRICT_REVIEW, "reject"): gettext_lazy("Reject"),
    (State.APPROVED, "enrol"): gettext_lazy("Enrol"),
    (State.REJECTED, "appeal"): gettext_lazy("Record an appeal"),
    (State.APPEAL_REVIEW, "approve"): gettext_lazy("Approve on appeal"),
    (State.APPEAL_REVIEW, "reject"): gettext_lazy("Reject the appeal"),
}
ACTION_HINTS = {
    "return": gettext_lazy("Say what is missing or wrong, so that the person can apply again."),
    "send_back": gettext_lazy("Say what the previous level should check or complete."),
    "reject": gettext_lazy(
        "Say why. The conditions not met and their legal basis are added from the policy rules."
    ),
    "appeal": gettext_lazy(
        "What the applicant says in the appeal. An officer other than the one who rejected decides it."
    ),
}


def _awaiting_district_review(application: Application) -> bool:
    """A temporary-assistance grant the district has not reviewed yet (its decide_by is the review's
    deadline)."""
    return application.policy_id == TEMPORARY_POLICY_ID and application.state == State.APPROVED


def duty_notes(user, applications) -> dict[int, dict[str, str]]:
    """For each application, the actions its state offers the user's role that separation of duties
    bars this user from (U11, G2: they took an earlier step), each with the refusal in the page's
    language; one query for all of them. The queue marks them, the detail page offers no form."""
    applications = list(applications)
    taken = steps_taken_by(user, [application.pk for application in applications])
    notes: dict[int, dict[str, str]] = {}
    for application in applications:
        if application.policy_id == TEMPORARY_POLICY_ID or application.pk not in taken:
            continue
        for action in actions_from(application.state, user.role):
            step = STEPS[(application.state, action)]
            earlier = conflicting_step(
                step.other_than, taken[application.pk], application.policy_id, step.waived_by
            )
            if earlier is not None:
                message = in_page_language(duty_message(earlier, step.verb))
                notes.setdefault(application.pk, {})[action] = message
    return notes


def _running_deadline(application: Application) -> tuple[str | None, dt.date | None]:
    """The deadline still running (acceptance, decision, or the district's review of a temporary-
    assistance grant): its kind and day, or (None, None)."""
    if application.state == State.SUBMITTED:
        return "accept", application.accept_by
    if application.state in REVIEW_STATES:
        return "decide", application.decide_by
    if _awaiting_district_review(application):
        return "review", application.decide_by
    return None, None


def _deadline(application: Application, today: dt.date) -> dict:
    """The deadline still running and how near it is (working days left), or none."""
    kind, day = _running_deadline(application)
    if kind is None:
        return {"kind": None, "day": None, "overdue": False, "due_soon": False}
    overdue = day < today
    left = 0 if overdue else working_days_between(today, day)
    return {
        "kind": kind,
        "day": day,
        "overdue": overdue,
        "due_soon": not overdue and left <= DUE_SOON_WORKING_DAYS,
        "working_days_left": left,
    }


# ---------------------------------------------------------------------------------------------------
# The queue


def _queue_filters(form: QueueFilterForm) -> QueueFilters:
    if not (form.is_bound and form.is_valid()):
        return QueueFilters()
    data = form.cleaned_data
    return QueueFilters(
        state=data["state"],
        policy=data["policy"],
        street=data["street"],
        community=data["community"],
        deadline=data["deadline"],
    )


def _export_applications(request, queryset, filters: QueueFilters, sort: str, today: dt.date):
    """The filtered queue as xlsx (core.listing): every page of it, ID numbers as the role may see them
    (registry.selectors.disclosure_for), audited with its filters and row count."""
    disclosure = disclosure_for(request.user)
    header = (
        _("Number"), _("Person"), _("ID number"), _("Street or town"), _("Community or village"),
        _("Policy"), _("Channel"), _("Received on"), _("State"), _("Deadline"),
    )  # fmt: skip
    rows = (
        (
            application.number,
            application.person.name,
            disclosure.id_number(application.person),
            application.street.name,
            application.community.name,
            policy_name(application.policy_id),
            channel_label(application.channel),
            application.received_on,
            state_label(application.state),
            _running_deadline(application)[1],  # the day only: no working days counted per row
        )
        for application in queryset.iterator(chunk_size=2000)
    )
    response, export = xlsx_export(
        filename=f"applications-{today.isoformat()}.xlsx",
        sheet=_("Applications"),
        header=header,
        rows=rows,
        cap=APPLICATIONS.export_cap,
        capped_note=capped_note,
    )
    record_read(
        request.user,
        "application.export",
        rows=export.rows,
        details={
            "filters": filters.as_query(),
            "sort": APPLICATIONS.sort_key(sort),
            "truncated": export.truncated,
            "full_id_numbers": disclosure.full_id,
        },
        limited=False,
        object_type="application",
    )
    return response


@require_GET
@requires("application.read")
def application_list(request):
    today = timezone.localdate()
    form = QueueFilterForm(request.GET or None, actor=request.user)
    filters = _queue_filters(form)
    sort = request.GET.get(SORT_PARAMETER)
    queryset = application_queue(
        request.user, filters=filters, sort=sort, today=today, due_soon_days=DUE_SOON_WORKING_DAYS
    )
    if request.GET.get(EXPORT_PARAMETER) == "xlsx":
        return _export_applications(request, queryset, filters, sort, today)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    notes = duty_notes(request.user, page.object_list)
    rows = [
        {
            "application": application,
            "policy": policy_name(application.policy_id),
            "channel": channel_label(application.channel),
            "state": state_label(application.state),
            "deadline": _deadline(application, today),
            # Separation of duties: the step this user may not take here (another officer's work).
            "duty": list(notes.get(application.pk, {}).values()),
        }
        for application in page.object_list
    ]
    query = filters.as_query()
    sort_key = APPLICATIONS.sort_key(sort)
    if sort_key != APPLICATIONS.default_sort:
        query[SORT_PARAMETER] = sort_key
    # A list of persons' applications: one audit event with its filters and rows (U11).
    record_read(
        request.user,
        "application.list",
        rows=len(rows),
        details={"filters": filters.as_query(), "sort": sort_key, "page": page.number},
        limited=False,
        object_type="application",
    )
    return render(
        request,
        "cases/list.html",
        {
            "filter_form": form,
            "rows": rows,
            "page": page,
            "page_query": urlencode(query),
            "export_query": urlencode({**query, EXPORT_PARAMETER: "xlsx"}),
            "sort": APPLICATIONS.headers(query, sort),
            "today": today,
            "due_soon_days": DUE_SOON_WORKING_DAYS,
            "can_create": can(request.user, "application.create"),
            "export_cap": APPLICATIONS.export_cap,
            "ids_masked": not disclosure_for(request.user).full_id,
        },
    )


# ---------------------------------------------------------------------------------------------------
# One application


def _timeline(application: Application) -> list[dict]:
    return [
        {
            "at": event.at,
            "who": event.actor_label,
            "action": EVENT_LABELS.get(event.action, event.action),
            "from": state_label(event.from_state) if event.from_state else "",
            "to": state_label(event.to_state),
            "reason": event.reason,
            "failed": event.details.get("failed_conditions", []) if event.action == "reject" else [],
            # Approved with a required document missing (S4, G2): which, and why.
            "override": event.details.get("override"),
        }
        for event in application_events(application)
    ]


def _action_forms(request, application: Application, typed: dict, problem: dict | None) -> list[dict]:
    if application.policy_id == TEMPORARY_POLICY_ID:
        return []  # a grant has the district's review instead (_temporary)
    forms = []
    barred = duty_notes(request.user, [application]).get(application.pk, {})
    problem_field = problem["field"] if problem else ""
    for action in actions_from(application.state, request.user.role):
        step = STEPS[(application.state, action)]
        forms.append(
            {
                "action": action,
                "title": ACTION_TITLES.get((application.state, action), action),
                "reason_required": step.reason_required,
                "hint": ACTION_HINTS.get(action, ""),
                # Separation of duties (U11, G2): an officer barred from this step is told why and
                # offered no form.
                "blocked": barred.get(action, ""),
                "reason": typed.get(action, ""),
                "error": problem["message"]
                if problem and problem["action"] == action and problem_field == "reason"
                else "",
                # An approval offers the override when a required document is missing (S4, G2).
                "approves": step.to == State.APPROVED,
                "override": typed.get("override", False) if typed.get("override_action") == action else False,
                "override_reason": typed.get("override_reason", "")
                if typed.get("override_action") == action
                else "",
                "override_error": problem["message"]
                if problem
                and problem["action"] == action
                and problem_field in ("documents", "override_reason")
                else "",
                "override_field": problem_field if problem and problem["action"] == action else "",
            }
        )
    return forms


def _temporary(
    request,
    application: Application,
    today: dt.date,
    documents: int,
    review_form=None,
    typed_reason: str = "",
) -> dict | None:
    """A temporary-assistance grant's facts for its page: the amount, the emergency, who granted it,
    the documents still due, the district's review (its deadline, or its outcome) and whether the user
    may review it now (district staff other than whoever granted it)."""
    grant = grant_of(application)
    if grant is None:
        return None
    status = grant_status(grant, documents, today)
    reviewer = can(request.user, "temporary.review") and status.pending
    granter = review_conflict(request.user, application) is not None
    return {
        "grant": grant,
        "status": status,
        "review_label": grant.get_review_display(),
        "can_review": reviewer and not granter,
        "review_blocked": reviewer and granter,
        "review_form": review_form,
        "typed_reason": typed_reason,
        "typed_decision": review_form.data.get("decision", "") if review_form is not None else "",
        "review_deadline": _deadline(application, today),
        "reviewed_late": grant.reviewed_at is not None
        and timezone.localtime(grant.reviewed_at).date() > grant.district_review_by,
    }


def _evidence(application: Application, today: dt.date) -> list[dict]:
    """The policy engine's result for the applicant on the day the application was received and today
    (P2, S4): conditions, the data used and the citations, as the person page shows them."""
    if application.policy_id == TEMPORARY_POLICY_ID:
        return []
    days = [("received", application.received_on)] + (
        [("today", today)] if today != application.received_on else []
    )
    evidence = []
    for key, day in days:
        decision = decision_for_person(application.person, application.policy_id, day)
        evidence.append({"key": key, "day": day, "decision": decision, "suffix": f"-{key}"})
    return evidence


def render_detail(
    request,
    application: Application,
    *,
    status: int = 200,
    typed=None,
    problem=None,
    conflict=False,
    document_error: str = "",
    review_form=None,
):
    policy = policies().get(application.policy_id)
    today = timezone.localdate()
    documents = application_documents(application)
    checklist = document_checklist(application, documents)
    typed_review = (typed or {}).get("review", "")
    context = {
        "application": application,
        "person": application.person,
        "policy": policy,
        "policy_name": policy.zh if policy else application.policy_id,
        "channel": channel_label(application.channel),
        "state": state_label(application.state),
        "deadline": _deadline(application, today),
        "temporary": _temporary(request, application, today, len(documents), review_form, typed_review),
        "timeline": _timeline(application),
        "action_forms": _action_forms(request, application, typed or {}, problem),
        "due_soon_days": DUE_SOON_WORKING_DAYS,
        "problem": problem,
        "conflict": conflict,
        "documents": documents,
        # The documents the policy requires, each with the files attached as it (S4, G2).
        "checklist": checklist,
        "missing_documents": [required for required in checklist if required.missing],
        "evidence": _evidence(application, today),
        "progress": progress_of(application.state) if application.policy_id != TEMPORARY_POLICY_ID else [],
        "has_decision": decision_event(application) is not None,
        "document_error": document_error,
        "document_max_mb": settings.XIAOKANG_DOCUMENT_MAX_BYTES // (1024 * 1024),
        "zh": is_chinese(),
    }
    return render(request, "cases/detail.html", context, status=status)


def refused_action(request, application, error, *, typed, page, action, reason_message, **extra):
    """The page again after a service refused an action on ``application``: 409 with the conflict
    message for a stale version, 403 when separation of duties bars this officer from the step, else 422
    with the refusal next to its field (``reason_message`` when the reason was missing). The view of the
    page is audited as any other."""
    application.refresh_from_db()
    log_view(request, application, page=page)
    if error.kind == "stale":
        return render_detail(request, application, status=409, typed=typed, conflict=True)
    message = reason_message if error.field == "reason" else in_page_language(error.message)
    return render_detail(
        request,
        application,
        # Separation of duties ("duty"): this officer may not take the step at all (403), nothing changed;
        # any other refusal 422 (core.errors.STATUS).
        status=error.status,
        typed=typed,
        problem={"action": action, "field": error.field, "message": message},
        **extra,
    )


@require_GET
@requires("application.read")
def application_detail(request, pk: int):
    application = application_for(request.user, pk)
    log_view(request, application)
    return render_detail(request, application)


@require_POST
@requires("application.read")
def application_transition_view(request, pk: int):
    """One action, decided on the version the officer read. Nothing is applied on an error: 409 when
    someone else acted first (the page shows the application as it is now), 422 when the action is not
    allowed or its reason is missing."""
    application = application_for(request.user, pk)
    action = request.POST.get("action", "")
    before = application.state

    def done(application, data) -> str:
        title = ACTION_TITLES.get((before, data["action"]), data["action"])
        return _("Done: %(action)s. The application is now: %(state)s.") % {
            "action": title,
            "state": state_label(application.state),
        }

    return application_action(
        request,
        application,
        TransitionForm(request.POST),
        action=action,
        typed={
            action: request.POST.get("reason", "")[:2000],
            "override_action": action,
            "override": bool(request.POST.get("override")),
            "override_reason": request.POST.get("override_reason", "")[:2000],
        },
        page="transition",
        act=lambda data: application_transition(
            actor=request.user,
            application=application,
            action=data["action"],
            version=data["version"],
            reason=data["reason"],
            override=data["override"],
            override_reason=data["override_reason"],
        ),
        acted=lambda data: data["action"],
        reason_message=_("Enter a reason: this action needs one."),
        done=done,
    )


def application_action(
    request, application, form, *, action, typed, page, act, acted, reason_message, done, review_form=None
):
    """What every action posted from an application's page shares (a workflow step, the district's
    review of a grant), decided on the version the officer read. Nothing is applied on an error: an
    incomplete form shows the page again (422; a choice left out is named, anything else is a form to
    reload), a refusal by the service is ``refused_action``'s; else the message ``done(application,
    data)`` and back to the page. ``act(data)``: the service call; ``acted(data)``: the action it was."""
    if not form.is_valid():
        log_view(request, application, page=page)
        field = "decision" if "decision" in form.errors else ""
        message = (
            form.errors["decision"][0]
            if field
            else _("The form was not complete. Reload the page and try again.")
        )
        return render_detail(
            request,
            application,
            status=422,
            typed=typed,
            problem={"action": action, "field": field, "message": message},
            review_form=review_form,
        )
    data = form.cleaned_data
    try:
        application = act(data)
    except WorkflowError as error:
        return refused_action(
            request,
            application,
            error,
            typed=typed,
            page=page,
            action=acted(data),
            reason_message=reason_message,
            review_form=review_form,
        )
    messages.success(request, done(application, data))
    return see_other(reverse("application-detail", args=[application.pk]))


# ---------------------------------------------------------------------------------------------------
# A new application


@require_http_methods(["GET", "POST"])
@requires("application.create")
def application_create(request, person_pk: int):
    person = person_for(request.user, person_pk)

    def submit(data):
        return application_submit(
            actor=request.user,
            person=person,
            policy_id=data["policy"],
            channel=data["channel"],
            received_on=data["received_on"],
            idempotency_key=data["submission_token"],
        )

    def done(submission) -> str:
        if submission.created:
            note = _("Application %(number)s has been recorded.")
        else:
            note = _("This form had already been sent: application %(number)s was recorded then.")
        return note % {"number": submission.application.number}

    response, form, status = submit_once(request, ApplicationForm, submit, done)
    if response is not None:
        return response
    return render(request, "cases/form.html", {"form": form, "person": person}, status=status)


# ---------------------------------------------------------------------------------------------------
# The person page's section


def applications_section(request, person) -> dict | None:
    if not can(request.user, "application.read"):
        return None
    applications = person_applications(request.user, person)
    return {
        "template": "cases/_person_applications.html",
        "anchor": "applications",
        "title": _("Applications"),
        "rows": [
            {
                "application": application,
                "policy": policy_name(application.policy_id),
                "state": state_label(application.state),
            }
            for application in applications[:PAGE_SIZE]
        ],
        "can_create": can(request.user, "application.create"),
        "can_grant": can(request.user, "temporary.grant"),
    }


# ---------------------------------------------------------------------------------------------------
# The decision notice (S4, G2): approval or rejection with the reasons and citations, printable and as
# a PDF; the receipt of a counter or online application (cases/notices.py).


def _notice(request, pk: int, page: str) -> dict:
    """The notice of an application in the user's area (404 out of scope or before a decision), audited
    as a view of the application with ``page``."""
    application = application_for(request.user, pk)
    context = notice_context(application)
    if context is None:
        raise Http404("no decision yet")
    log_view(request, application, page=page)
    return context


@require_GET
@requires("application.read")
def application_notice(request, pk: int):
    return render(request, "cases/notice.html", _notice(request, pk, "notice"))


@require_GET
@requires("application.read")
def application_notice_pdf(request, pk: int):
    """The notice as the resident receives it, one A4 page of PDF (audited as ``notice.pdf``)."""
    context = _notice(request, pk, "notice.pdf")
    return pdf_response(
        request,
        "cases/_notice_body.html",
        context,
        title=f"决定通知书 {context['application'].number}",
        filename=f"notice-{context['application'].number}.pdf",
    )


@require_GET
@requires("application.read")
def application_receipt(request, pk: int):
    """The receipt of an application: its number and how to look up its status (S4)."""
    application = application_for(request.user, pk)
    log_view(request, application, page="receipt")
    return render(
        request,
        "cases/receipt.html",
        receipt_context(application, request.build_absolute_uri(reverse("status"))),
    )


@require_GET
@requires("application.read")
def application_receipt_pdf(request, pk: int):
    application = application_for(request.user, pk)
    log_view(request, application, page="receipt.pdf")
    return pdf_response(
        request,
        "cases/_receipt_body.html",
        receipt_context(application, request.build_absolute_uri(reverse("status"))),
        title=f"申请受理回执 {application.number}",
        filename=f"receipt-{application.number}.pdf",
    )
