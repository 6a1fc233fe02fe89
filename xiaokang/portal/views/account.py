"""An applicant's account on the public portal (S4, U11): register, sign in and out.
docs/portal-accounts.md. The message of a refused sign-in never says whether an account exists."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.accounts.forms import client_address
from xiaokang.core.errors import add_to_form
from xiaokang.portal import applicants
from xiaokang.portal.applicants import LOCKOUT_MINUTES, ApplicantError, LoginRefused
from xiaokang.portal.forms_applicants import ApplicantLoginForm, RegistrationForm
from xiaokang.portal.sessions import current_applicant, sign_in, sign_out
from xiaokang.registry.views_persons import _see_other


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
                    sender_address=client_address(request),
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
        applicants.applicant_logout(account=account)
    sign_out(request)
    messages.success(request, _("You have signed out."))
    return _see_other(reverse("home"))
