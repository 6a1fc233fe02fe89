"""Verification (U11): the code that links an applicant's account to the registry record, sent by SMS
to the registry's phone or printed at the community office. docs/portal-accounts.md."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.portal.forms_applicants import VerificationCodeForm
from xiaokang.portal.sessions import applicant_required, current_applicant
from xiaokang.portal.verification import VerificationError, code_verify, sms_code_send, verification_status
from xiaokang.registry.views_persons import _see_other


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
            code_verify(account=account, code=form.cleaned_data["code"])
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
        masked = sms_code_send(account=account)
    except VerificationError as error:
        return _render_verify(request, account, send_error=error.message, status=422)
    messages.success(
        request,
        _("A code has been sent to %(phone)s. It is valid for 10 minutes.") % {"phone": masked},
    )
    return _see_other(reverse("applicant-verify") + "#code-form")
