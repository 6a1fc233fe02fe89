"""Applicants' pages on the public portal (U11; S4, G2, P2, P3): register, sign in and out, the
dashboard (applications, enrolments, payments), one application with its timeline and documents, an
online application for a cash policy, and the appeal of a rejection. docs/portal-accounts.md.

Every page works without JavaScript (plain forms, 303 after a POST). An applicant reads only the
applications, enrolments and payments of the registry person their account is linked to; anything
else answers 404, the same whether it exists or not. Every write is a service call acting as the
applicant (``ApplicantActor``), audited."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.accounts.forms import client_address
from xiaokang.audit.services import log_action
from xiaokang.cases.documents import documents_add
from xiaokang.cases.models import OPEN_STATES, Application, Channel, EnrolmentStatus, State
from xiaokang.cases.services import WorkflowError, appeal_days, application_submit, application_transition
from xiaokang.cases.views import state_label
from xiaokang.core.errors import add_to_form
from xiaokang.core.language import in_page_language, is_chinese
from xiaokang.core.money import yuan_text
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.selectors import decision_for_person
from xiaokang.portal import applicants
from xiaokang.portal.applicants import LOCKOUT_MINUTES, ApplicantError, LoginRefused
from xiaokang.portal.forms_applicants import (
    AppealForm,
    ApplicantLoginForm,
    DocumentForm,
    OnlineApplicationForm,
    RegistrationForm,
    VerificationCodeForm,
)
from xiaokang.portal.sessions import applicant_required, current_applicant, sign_in, sign_out
from xiaokang.portal.states import NEXT_STEPS
from xiaokang.portal.verification import VerificationError, code_verify, sms_code_send, verification_status
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


def _policy_names(policy_id: str) -> dict:
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
    for event in application.events.order_by("at", "id"):
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


def _log(account, action: str, application: Application | None = None, *, client, **details) -> None:
    log_action(
        applicants.actor_for(account),
        action,
        object_type="application" if application is not None else "applicant",
        object_id=application.number if application is not None else str(account.pk),
        person_id=account.person_id,
        details=details or None,
        client=client,
    )


# ---------------------------------------------------------------------------------------------------
# Registration, sign-in, sign-out


def _next_url(request, default: str) -> str:
    """Where to go after signing in: a page of this site's applicant area, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/account/")
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
        and not target.startswith(reverse("applicant-logout"))
    ):
        return target
    return default


def _linked_message(request, account) -> None:
    if account.person_id:
        messages.success(request, _("Your account is linked to your record in the registry."))
    else:
        messages.info(
            request,
            _(
                "Your account is not yet verified: it shows nothing of your registry record until you enter "
                "a code sent to your phone or printed at your community office."
            ),
        )


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    if current_applicant(request) is not None:
        return HttpResponseRedirect(reverse("applicant-home"))
    status = 200
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                account = applicants.applicant_register(
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    password=data["password"],
                    client=client_address(request),
                )
            except ApplicantError as error:
                add_to_form(form, error)
            else:
                sign_in(request, account)
                messages.success(request, _("Your account has been created and you are signed in."))
                _linked_message(request, account)
                return _see_other(reverse("applicant-verify"))
        status = 422
    else:
        form = RegistrationForm()
    return render(request, "portal/account/register.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    """Sign in with the ID number and password; 5 failures within 15 minutes lock the ID number for 15
    minutes, and the message never says whether an account exists (as for staff)."""
    home = reverse("applicant-home")
    if current_applicant(request) is not None:
        return HttpResponseRedirect(_next_url(request, home))
    status = 200
    if request.method == "POST":
        form = ApplicantLoginForm(request.POST)
        if form.is_valid():
            try:
                account = applicants.applicant_login(
                    id_number=form.cleaned_data["id_number"],
                    password=form.cleaned_data["password"],
                    client=client_address(request),
                )
            except LoginRefused as refused:
                if refused.locked:
                    form.add_error(
                        None,
                        _("Too many failed attempts: this ID number is locked for %(minutes)s minutes.")
                        % {"minutes": LOCKOUT_MINUTES},
                    )
                else:
                    form.add_error(
                        None,
                        _("The ID number or the password is not right."),
                    )
            else:
                sign_in(request, account)
                if not account.person_id:
                    _linked_message(request, account)
                return _see_other(_next_url(request, home))
        status = 422
    else:
        form = ApplicantLoginForm()
    return render(
        request,
        "portal/account/login.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


@require_POST
def logout(request):
    account = current_applicant(request)
    if account is not None:
        applicants.applicant_logout(account=account, client=client_address(request))
    sign_out(request)
    messages.success(request, _("You have signed out."))
    return _see_other(reverse("home"))


# ---------------------------------------------------------------------------------------------------
# Verification: the code that links the account to the registry record (U11)


def _render_verify(request, account, *, form=None, send_error: str = "", status: int = 200):
    return render(
        request,
        "portal/account/verify.html",
        {
            "account": account,
            "status": verification_status(account),
            "form": form or VerificationCodeForm(),
            "send_error": send_error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@applicant_required
def verify(request):
    """Enter a code: six digits sent by SMS to the registry's phone, or an office code. Linked, the
    account sees the person's applications, benefits and payments."""
    account = current_applicant(request)
    if request.method == "GET" or account.person_id is not None:
        return _render_verify(request, account)
    form = VerificationCodeForm(request.POST)
    if form.is_valid():
        try:
            code_verify(account=account, code=form.cleaned_data["code"], client=client_address(request))
        except VerificationError as error:
            form.add_error("code" if error.field == "code" else None, error.message)
        else:
            messages.success(
                request, _("Your account is verified and linked to your record in the registry.")
            )
            return _see_other(reverse("applicant-home"))
    return _render_verify(request, account, form=form, status=422)


@require_POST
@applicant_required
def verify_send(request):
    """Send a code by SMS to the phone the registry holds (never the one typed at registration)."""
    account = current_applicant(request)
    try:
        masked = sms_code_send(account=account, client=client_address(request))
    except VerificationError as error:
        return _render_verify(request, account, send_error=error.message, status=422)
    messages.success(
        request,
        _("A code has been sent to %(phone)s. It is valid for 10 minutes.") % {"phone": masked},
    )
    return _see_other(reverse("applicant-verify") + "#code-form")


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
            "policy": _policy_names(application.policy_id),
            "state": state_label(application.state),
            "open": application.state in OPEN_STATES,
        }
        for application in applicants.applicant_applications(account)[:200]
    ]
    enrolments = [
        {
            "enrolment": enrolment,
            "policy": _policy_names(enrolment.policy_id),
            "status": EnrolmentStatus(enrolment.status).label,
        }
        for enrolment in applicants.applicant_enrolments(account)
    ]
    payments = [
        {
            "month": month.month,
            "lines": [
                {"policy": _policy_names(line["policy_id"]), "amount": yuan_text(line["amount_fen"])}
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
        },
    )


# ---------------------------------------------------------------------------------------------------
# One application


def _application_or_404(request, account, pk: int) -> Application:
    application = applicants.applicant_application(account, pk)
    if application is None:
        # Someone else's application and a missing one answer alike; the attempt is recorded.
        log_action(
            applicants.actor_for(account),
            "access.denied",
            object_type="application",
            object_id=str(pk)[:64],
            client=client_address(request),
        )
        raise Http404("no such application")
    return application


def _appeal_window(application: Application, today: dt.date) -> dict | None:
    """For a rejected application: the last day of the appeal period and whether it is still open."""
    if application.state != State.REJECTED or application.rejected_on is None:
        return None
    last_day = application.rejected_on + dt.timedelta(days=appeal_days(application.policy_id))
    return {"last_day": last_day, "open": today <= last_day}


def _render_detail(request, account, application, *, status=200, appeal_form=None, document_form=None):
    today = timezone.localdate()
    rejection = application.events.filter(action="reject").order_by("-id").first()
    return render(
        request,
        "portal/account/application.html",
        {
            "account": account,
            "application": application,
            "policy": _policy_names(application.policy_id),
            "state": state_label(application.state),
            "channel": Channel(application.channel).label if application.channel in Channel.values else "",
            "next_step": NEXT_STEPS.get(application.state, ""),
            "show_accept_by": application.state == State.SUBMITTED,
            "show_decide_by": application.state in OPEN_STATES and application.state != State.APPROVED,
            "timeline": _timeline(application),
            "documents": list(application.documents.order_by("id")),
            "rejection": rejection if application.state == State.REJECTED else None,
            "appeal": _appeal_window(application, today),
            "appeal_form": appeal_form or AppealForm(initial={"version": application.version}),
            "can_add_documents": application.state in DOCUMENT_STATES,
            "document_form": document_form or DocumentForm(),
            "zh": is_chinese(),
        },
        status=status,
    )


@require_http_methods(["GET"])
@applicant_required
def application_detail(request, pk: int):
    account = current_applicant(request)
    application = _application_or_404(request, account, pk)
    _log(account, "application.view", application, client=client_address(request))
    return _render_detail(request, account, application)


@require_POST
@applicant_required
def appeal(request, pk: int):
    """Appeal a rejection (G2): the reason is required; the workflow checks the state and the appeal
    period (appeal_days) and who decides it (another officer than the one who rejected)."""
    account = current_applicant(request)
    application = _application_or_404(request, account, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            application = application_transition(
                actor=applicants.actor_for(account),
                application=application,
                action="appeal",
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
    application = _application_or_404(request, account, pk)
    form = DocumentForm(request.POST, request.FILES)
    if application.state not in DOCUMENT_STATES:
        form.is_valid()
        form.add_error(None, _("Documents can be added only while the application is being handled."))
    elif form.is_valid():
        try:
            with transaction.atomic():
                stored = documents_add(
                    actor=applicants.actor_for(account),
                    application=application,
                    uploads=form.cleaned_data["documents"],
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
# Applying online


def _policy_offer(account, policy, today: dt.date) -> dict:
    """One cash policy as offered to the applicant: whether the rules say they may qualify today (from
    their registry record, P2) and why not, the monthly amount, and an application or enrolment that
    already exists."""
    decision = decision_for_person(account.person, policy.id, today)
    zh = is_chinese()
    failed = []
    if decision is not None:
        failed = [
            result.condition.zh if zh or not result.condition.en else result.condition.en
            for result in decision.conditions
            if not result.passed
        ]
    return {
        "policy": policy,
        "name": {"id": policy.id, "zh": policy.zh, "en": policy.en},
        "known": decision is not None,
        "eligible": bool(decision and decision.eligible),
        "amount": f"{decision.amount:,.2f}" if decision is not None and decision.eligible else "",
        "failed": failed,
        "failed_lang": "zh-Hans" if zh else "en",
        "open_application": applicants.open_application(account, policy.id),
        "enrolment": applicants.current_enrolment(account, policy.id),
        "how_to_apply": policy.how_to_apply,
    }


def _unlinked(request, account):
    return render(request, "portal/account/unlinked.html", {"account": account})


@require_http_methods(["GET"])
@applicant_required
def apply_choose(request):
    """The cash policies one can apply for online, each with what the rules say about the applicant
    today. One may apply even when the rules say one may not qualify: the record may be out of date,
    and the office decides (S4: every application is accepted and answered)."""
    account = current_applicant(request)
    if account.person_id is None:
        return _unlinked(request, account)
    today = timezone.localdate()
    offers = [_policy_offer(account, policy, today) for policy in applicants.applicable_policies()]
    return render(
        request,
        "portal/account/apply_choose.html",
        {"account": account, "offers": offers, "today": today, "zh": is_chinese()},
    )


@require_http_methods(["GET", "POST"])
@applicant_required
def apply(request, policy_id: str):
    """The online application for one cash policy: consent, optional documents, one button. The
    application and its documents are recorded together or not at all; sending the form twice records
    one application (its one-time token)."""
    account = current_applicant(request)
    policy = applicants.applicable_policy(policy_id)
    if policy is None:
        raise Http404("no such policy to apply for")
    if account.person_id is None:
        return _unlinked(request, account)
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        form = OnlineApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    submission = application_submit(
                        actor=applicants.actor_for(account),
                        person=account.person,
                        policy_id=policy.id,
                        channel=Channel.ONLINE,
                        received_on=today,
                        idempotency_key=data["submission_token"],
                    )
                    if submission.created:
                        documents_add(
                            actor=applicants.actor_for(account),
                            application=submission.application,
                            uploads=data["documents"],
                        )
            except WorkflowError as error:
                field = "documents" if error.field == "file" else None
                form.add_error(field, in_page_language(error.message))
            else:
                application = submission.application
                if submission.created:
                    note = _(
                        "Your application %(number)s has been received. Your community office accepts it "
                        "by %(day)s."
                    ) % {"number": application.number, "day": application.accept_by.isoformat()}
                else:
                    note = _("This form had already been sent: your application is %(number)s.") % {
                        "number": application.number
                    }
                messages.success(request, note)
                return _see_other(reverse("applicant-application", args=[application.pk]))
        status = 422
    else:
        form = OnlineApplicationForm(initial={"submission_token": uuid.uuid4().hex})
    return render(
        request,
        "portal/account/apply.html",
        {
            "account": account,
            "offer": _policy_offer(account, policy, today),
            "form": form,
            "zh": is_chinese(),
        },
        status=status,
    )
