"""An applicant's applications on the public portal (U11; S4, G2, P3): the dashboard (applications,
enrolments, payments), one application with its timeline and documents, and the appeal of a
rejection. docs/portal-accounts.md.

Every page works without JavaScript (plain forms, 303 after a POST). An applicant reads only the
applications, enrolments and payments of the registry person their account is linked to; anything
else answers 404, the same whether it exists or not. Every write is a service call acting as the
applicant (``ApplicantActor``), audited."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaokang.cases.evidence import required_documents
from xiaokang.cases.models import OPEN_STATES, Application, Channel, EnrolmentStatus, State
from xiaokang.cases.notices import notice_context, receipt_context
from xiaokang.cases.selectors import decision_event
from xiaokang.cases.services import WorkflowError, appeal_days
from xiaokang.cases.views import state_label
from xiaokang.cases.views.common import pdf_response
from xiaokang.core.language import in_page_language, is_chinese
from xiaokang.core.money import yuan_text
from xiaokang.policies.engine.loader import policies
from xiaokang.portal import applicants
from xiaokang.portal.forms_applicants import AppealForm, DocumentForm
from xiaokang.portal.sessions import applicant_required, current_applicant
from xiaokang.portal.states import NEXT_STEPS, progress_for
from xiaokang.registry.views_persons import _see_other

# While an application is handled, the applicant may still add documents to it.
DOCUMENT_STATES = tuple(state for state in OPEN_STATES if state != State.APPROVED)

# The timeline as the applicant reads it: what happened, in the past tense, and which office did it
# (never a staff member's name).
EVENT_LABELS = {
    "submit": gettext_lazy("Application received"),
    "accept": gettext_lazy("Accepted for review"),
    "return": gettext_lazy("Returned: not accepted"),
    "forward": gettext_lazy("Passed to the next review"),
    "send_back": gettext_lazy("Sent back for another check"),
    "approve": gettext_lazy("Approved"),
    "reject": gettext_lazy("Rejected"),
    "enrol": gettext_lazy("Payments start"),
    "appeal": gettext_lazy("Appeal received"),
    "grant": gettext_lazy("Granted on the spot"),
    "confirm": gettext_lazy("Confirmed by the district"),
}
COMMUNITY = gettext_lazy("Community office")
STREET = gettext_lazy("Street office")
DISTRICT = gettext_lazy("District")


def policy_names(policy_id: str) -> dict:
    policy = policies().get(policy_id)
    if policy is None:
        return {"id": policy_id, "zh": policy_id, "en": ""}
    return {"id": policy.id, "zh": policy.zh, "en": policy.en}


def _who(event) -> str:
    """Which office took a step (never a username): by the step taken."""
    if event.actor_label.startswith("applicant:"):
        return _("You")
    if event.action == "submit":
        return _("You, online") if event.details.get("channel") == Channel.ONLINE else str(COMMUNITY)
    if event.action in ("accept", "return") or event.from_state == State.COMMUNITY_REVIEW:
        return str(COMMUNITY)
    if event.from_state == State.STREET_REVIEW or event.action == "grant":
        return str(STREET)
    if event.action == "appeal":
        return str(COMMUNITY)
    return str(DISTRICT)


def _timeline(application: Application) -> list[dict]:
    zh = is_chinese()
    rows = []
    for event in applicants.application_events(application):
        failed = event.details.get("failed_conditions", []) if event.action == "reject" else []
        rows.append(
            {
                "at": event.at,
                "who": _who(event),
                "action": EVENT_LABELS.get(event.action, event.action),
                "to": state_label(event.to_state),
                "reason": event.reason if event.action in ("return", "reject", "send_back", "appeal") else "",
                "failed": [
                    {"label": condition.get("label", ""), "citation": condition.get("citation", "")}
                    for condition in failed
                ],
                "zh": zh,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------
# The dashboard


@require_http_methods(["GET"])
@applicant_required
def home(request):
    account = current_applicant(request)
    today = timezone.localdate()
    applications = [
        {
            "application": application,
            "policy": policy_names(application.policy_id),
            "state": state_label(application.state),
            "open": application.state in OPEN_STATES,
        }
        for application in applicants.applicant_applications(account)[:200]
    ]
    enrolments = [
        {
            "enrolment": enrolment,
            "policy": policy_names(enrolment.policy_id),
            "status": EnrolmentStatus(enrolment.status).label,
        }
        for enrolment in applicants.applicant_enrolments(account)
    ]
    payments = [
        {
            "month": month.month,
            "lines": [
                {"policy": policy_names(line["policy_id"]), "amount": yuan_text(line["amount_fen"])}
                for line in month.lines
            ],
            "total": yuan_text(month.total_fen),
        }
        for month in applicants.applicant_payments(account)
    ]
    return render(
        request,
        "portal/account/home.html",
        {
            "account": account,
            "applications": applications,
            "enrolments": enrolments,
            "payments": payments,
            "today": today,
            "zh": is_chinese(),
            "can_apply": account.person_id is not None and bool(applicants.applicable_policies()),
            "certificate_expired_on": applicants.applicant_certificate_expired_on(account, today),
        },
    )


# ---------------------------------------------------------------------------------------------------
# One application


def _appeal_window(application: Application, today: dt.date) -> dict | None:
    """For a rejected application: the last day of the appeal period and whether it is still open."""
    if application.state != State.REJECTED or application.rejected_on is None:
        return None
    last_day = application.rejected_on + dt.timedelta(days=appeal_days(application.policy_id))
    return {"last_day": last_day, "open": today <= last_day}


def _render_detail(request, account, application, *, status=200, appeal_form=None, document_form=None):
    today = timezone.localdate()
    return render(
        request,
        "portal/account/application.html",
        {
            "account": account,
            "application": application,
            "policy": policy_names(application.policy_id),
            "state": state_label(application.state),
            "channel": Channel(application.channel).label if application.channel in Channel.values else "",
            "next_step": NEXT_STEPS.get(application.state, ""),
            "show_accept_by": application.state == State.SUBMITTED,
            "show_decide_by": application.state in OPEN_STATES and application.state != State.APPROVED,
            "timeline": _timeline(application),
            "progress": progress_for(application),
            "has_notice": decision_event(application) is not None,
            "documents": applicants.application_documents(application),
            "rejection": applicants.application_rejection(application),
            "appeal": _appeal_window(application, today),
            "appeal_form": appeal_form or AppealForm(initial={"version": application.version}),
            "can_add_documents": application.state in DOCUMENT_STATES,
            "document_form": document_form
            or DocumentForm(required_documents=required_documents(application.policy_id)),
            "zh": is_chinese(),
        },
        status=status,
    )


@require_http_methods(["GET"])
@applicant_required
def application_detail(request, pk: int):
    account = current_applicant(request)
    application = applicants.applicant_application_or_404(account, pk, viewed=True)
    return _render_detail(request, account, application)


@require_POST
@applicant_required
def appeal(request, pk: int):
    """Appeal a rejection (G2): the reason is required; the workflow checks the state and the appeal
    period (appeal_days) and who decides it (another officer than the one who rejected)."""
    account = current_applicant(request)
    application = applicants.applicant_application_or_404(account, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            application = applicants.applicant_appeal(
                account=account,
                application=application,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except WorkflowError as error:
            if error.kind == "stale":
                message = _("The application changed since you opened it. Read it again below.")
            elif error.field == "reason":
                message = _("Enter the reason for your appeal.")
            else:
                message = in_page_language(error.message)
            form.add_error("reason" if error.field == "reason" else None, message)
            application.refresh_from_db()
        else:
            messages.success(
                request,
                _("Your appeal has been received. The district decides it by %(day)s.")
                % {"day": application.decide_by.isoformat()},
            )
            return _see_other(reverse("applicant-application", args=[application.pk]))
    return _render_detail(request, account, application, status=422, appeal_form=form)


@require_POST
@applicant_required
def document_upload(request, pk: int):
    account = current_applicant(request)
    application = applicants.applicant_application_or_404(account, pk)
    form = DocumentForm(
        request.POST, request.FILES, required_documents=required_documents(application.policy_id)
    )
    if application.state not in DOCUMENT_STATES:
        form.is_valid()
        form.add_error(None, _("Documents can be added only while the application is being handled."))
    elif form.is_valid():
        try:
            stored = applicants.applicant_documents_add(
                account=account,
                application=application,
                uploads=form.cleaned_data["documents"],
                requirement=form.cleaned_data.get("requirement", ""),
            )
        except WorkflowError as error:
            form.add_error("documents", in_page_language(error.message))
        else:
            messages.success(
                request,
                ngettext("%(count)d document attached.", "%(count)d documents attached.", len(stored))
                % {"count": len(stored)},
            )
            return _see_other(reverse("applicant-application", args=[application.pk]) + "#documents")
    return _render_detail(request, account, application, status=422, document_form=form)


# ---------------------------------------------------------------------------------------------------
# The receipt (S4): the applicant's own application's number and how to look up its status, printable
# and as a PDF; someone else's application is a 404 (audited, ``applicant_application_or_404``).


@require_GET
@applicant_required
def application_receipt(request, pk: int):
    account = current_applicant(request)
    application = applicants.applicant_application_or_404(account, pk, viewed=True)
    context = receipt_context(application, request.build_absolute_uri(reverse("status")))
    return render(request, "portal/account/receipt.html", context)


@require_GET
@applicant_required
def application_receipt_pdf(request, pk: int):
    account = current_applicant(request)
    application = applicants.applicant_application_or_404(account, pk, viewed=True)
    return pdf_response(
        request,
        "cases/_receipt_body.html",
        receipt_context(application, request.build_absolute_uri(reverse("status"))),
        title=f"申请受理回执 {application.number}",
        filename=f"receipt-{application.number}.pdf",
    )


@require_GET
@applicant_required
def application_notice_pdf(request, pk: int):
    """The decision notice of the applicant's own application, as the office issues it (S4, G2): one A4
    page of PDF; 404 before a decision or for someone else's application (audited)."""
    account = current_applicant(request)
    application = applicants.applicant_application_or_404(account, pk, viewed=True)
    context = notice_context(application)
    if context is None:
        raise Http404("no decision yet")
    return pdf_response(
        request,
        "cases/_notice_body.html",
        context,
        title=f"决定通知书 {application.number}",
        filename=f"notice-{application.number}.pdf",
    )
