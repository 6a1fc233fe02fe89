"""Applying online (S4, P2): the cash policies an applicant may apply for, each with what the rules
say about them today, and the online application for one. docs/portal-accounts.md."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xiaokang.cases.services import WorkflowError
from xiaokang.core.language import in_page_language, is_chinese
from xiaokang.policies.selectors import decision_for_person
from xiaokang.portal import applicants
from xiaokang.portal.forms_applicants import OnlineApplicationForm
from xiaokang.portal.sessions import applicant_required, current_applicant
from xiaokang.registry.views_persons import _see_other


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


def unlinked(request, account):
    """The page shown instead of one that needs a verified account."""
    return render(request, "portal/account/unlinked.html", {"account": account})


@require_http_methods(["GET"])
@applicant_required
def apply_choose(request):
    """The cash policies one can apply for online, each with what the rules say about the applicant
    today. One may apply even when the rules say one may not qualify: the record may be out of date,
    and the office decides (S4: every application is accepted and answered)."""
    account = current_applicant(request)
    if account.person_id is None:
        return unlinked(request, account)
    today = timezone.localdate()
    offers = [_policy_offer(account, policy, today) for policy in applicants.applicable_policies()]
    return render(
        request,
        "portal/account/apply_choose.html",
        {
            "account": account,
            "offers": offers,
            "today": today,
            "zh": is_chinese(),
            "certificate_expired_on": applicants.applicant_certificate_expired_on(account, today),
        },
    )


@require_http_methods(["GET", "POST"])
@applicant_required
def apply(request, policy_id: str):
    """The online application for one cash policy: consent, optional documents, one button
    (``applicants.online_apply``: all or nothing, one application for a form sent twice)."""
    account = current_applicant(request)
    policy = applicants.applicable_policy(policy_id)
    if policy is None:
        raise Http404("no such policy to apply for")
    if account.person_id is None:
        return unlinked(request, account)
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        form = OnlineApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                submission = applicants.online_apply(
                    account=account,
                    policy_id=policy.id,
                    received_on=today,
                    submission_token=data["submission_token"],
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
            "certificate_expired_on": applicants.applicant_certificate_expired_on(account, today),
        },
        status=status,
    )
