"""Sign-in in two steps and the second factor's pages (U11; GB/T 22239-2019 8.1.4.1 d).

The password step does not sign the user in when a second step follows: it keeps the user's id in the
session as *pending* (at most PENDING_SECONDS), and ``django.contrib.auth.login`` runs only after the
code step (or, for a role that requires a factor and has none, after enrolment). So an authenticated
session always means both factors were given; nothing else is reachable in between (the pending user is
anonymous to every other view). ``client.force_login`` in tests gives such a session directly."""

from __future__ import annotations

import time

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.accounts.forms import LockoutAuthenticationForm, client_address
from xiaokang.accounts.models import User
from xiaokang.accounts.selectors import account_for, active_account
from xiaokang.accounts.services import LOCKOUT_MINUTES, LoginRefused, LoginThrottled
from xiaokang.accounts.twofactor import (
    ENROLMENT_CODE_LENGTH,
    EnrolmentCodeRefused,
    TwoFactorError,
    enrolment_code_check,
    enrolment_code_needed,
    enrolment_confirm,
    enrolment_start,
    has_two_factor,
    pending_secret,
    provisioning_uri,
    recovery_codes_left,
    requires_two_factor,
    second_factor_check,
    second_step,
    two_factor_reset,
)
from xiaokang.core.capabilities import check

PENDING = "xiaokang_2fa_pending"
PENDING_SECONDS = 10 * 60
# The enrolment code accepted for this session: {"user": pk, "code": EnrolmentCode pk}. Only the id is
# kept (never the code); the code is used up when the factor is confirmed.
ENROLMENT_CODE = "xiaokang_2fa_enrolment_code"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        help_text=gettext_lazy("The 6-digit code your authenticator app shows for Xiaokang."),
    )


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=gettext_lazy("Enrolment code"),
        max_length=ENROLMENT_CODE_LENGTH + 4,
        help_text=gettext_lazy(
            "The 10-character code a district administrator gave you in person, for example ABCDE-FGHJK."
        ),
    )


class PasswordStepView(auth_views.LoginView):
    """Django's login view (session id rotated at login) whose password step hands over to the code step
    or to enrolment when the user has, or must have, a second factor. A throttled client address gets
    429 with Retry-After."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = LockoutAuthenticationForm

    def form_valid(self, form):
        user = form.get_user()
        step = second_step(user)
        if step is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        # A new sign-in starts without an enrolment code: one accepted in an abandoned sign-in in this
        # browser does not carry over.
        self.request.session.pop(ENROLMENT_CODE, None)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": int(time.time()),
        }
        return redirect("login-code" if step == "code" else "two-factor-enrol")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


def _pending(request) -> tuple[User | None, dict]:
    data = request.session.get(PENDING) or {}
    if not data or time.time() - data.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    return active_account(data.get("user")), data


def _complete(request, user: User, data: dict):
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=data["backend"])


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    user, data = _pending(request)
    if user is None or second_step(user) != "code":
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            second_factor_check(
                user=user, code=form.cleaned_data["code"], throttle_address=client_address(request)
            )
        except LoginThrottled as throttled:
            form.add_error(None, _throttled_message(throttled.retry_after))
            response = render(request, "accounts/login_code.html", {"form": form}, status=429)
            response["Retry-After"] = str(throttled.retry_after)
            return response
        except LoginRefused as refused:
            if refused.locked:
                request.session.pop(PENDING, None)
                form.add_error(
                    None,
                    _("Too many failed attempts: this user name is locked for %(minutes)s minutes.")
                    % {"minutes": LOCKOUT_MINUTES},
                )
            else:
                form.add_error("code", _("This code is wrong, expired or already used."))
        else:
            _complete(request, user, data)
            return redirect(data["next"])
    return render(request, "accounts/login_code.html", {"form": form})


def _throttled_message(seconds: int) -> str:
    return _("Too many failed sign-ins from your network address: try again in %(seconds)s seconds.") % {
        "seconds": seconds
    }


def _qr_svg(uri: str) -> str:
    # segno writes the SVG itself from our own URI (no user-controlled markup): inline, no request.
    return segno.make(uri, error="m").svg_inline(scale=5, title=_("QR code to scan"))


def _accepted_code(request, user: User) -> int | None:
    data = request.session.get(ENROLMENT_CODE) or {}
    return data.get("code") if data.get("user") == user.pk else None


def _enrolment_code_step(request, user: User, pending: bool):
    """The first step of enrolment for a role that requires a factor: the enrolment code a district
    administrator issued (split knowledge: the password alone does not enrol a factor)."""
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accepted = enrolment_code_check(user=user, code=form.cleaned_data["enrolment_code"])
        except EnrolmentCodeRefused as refused:
            form.add_error("enrolment_code", _enrolment_code_message(refused))
        else:
            request.session[ENROLMENT_CODE] = {"user": user.pk, "code": accepted.pk}
            return redirect("two-factor-enrol")
    return render(
        request,
        "accounts/two_factor_enrolment_code.html",
        {"form": form, "pending": pending, "username": user.username},
    )


def _enrolment_code_message(refused: EnrolmentCodeRefused) -> str:
    if refused.why == "wrong":
        return _("This enrolment code is wrong. After %(left)s more wrong tries it becomes void.") % {
            "left": refused.left
        }
    if refused.why == "void":
        return _(
            "This enrolment code was wrong too many times and is now void: ask a district administrator "
            "for a new one."
        )
    return _(
        "There is no valid enrolment code for this account (none issued, expired, used or void): ask a "
        "district administrator for a new one."
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """Enrol the second factor: a QR code and the secret in text (new on every visit, so shown once),
    confirmed with a current code; then the ten recovery codes, shown once. Serves a pending sign-in
    (a role that requires a factor) and a signed-in staff member who wants one.

    A role that requires a factor first types the enrolment code a district administrator issued
    (accounts.twofactor.enrolment_code_needed); a role for which it is optional enrols without one."""
    if request.user.is_authenticated:
        user, data = request.user, {}
    else:
        user, data = _pending(request)
        if user is None:
            return redirect("login")
        if second_step(user) == "code":
            return redirect("login-code")
    if has_two_factor(user):
        return render(
            request,
            "accounts/two_factor_status.html",
            {"left": recovery_codes_left(user), "required": requires_two_factor(user)},
        )
    needed = enrolment_code_needed(user)
    accepted = _accepted_code(request, user) if needed else None
    if needed and accepted is None:
        return _enrolment_code_step(request, user, pending=bool(data))
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = enrolment_confirm(
                user=user,
                code=form.cleaned_data["code"],
                enrolment_code=accepted,
            )
        except EnrolmentCodeRefused as refused:
            # Voided (a new code was issued) or used since it was accepted: start with a code again.
            request.session.pop(ENROLMENT_CODE, None)
            code_form = EnrolmentCodeForm({})
            code_form.is_valid()
            code_form.errors.clear()  # not "required": the code it had is no longer in force
            code_form.add_error("enrolment_code", _enrolment_code_message(refused))
            return render(
                request,
                "accounts/two_factor_enrolment_code.html",
                {"form": code_form, "pending": bool(data), "username": user.username},
            )
        if codes is not None:
            request.session.pop(ENROLMENT_CODE, None)
            next_url = data.get("next") or reverse("staff-home")
            if data:
                _complete(request, user, data)
            return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": next_url})
        form.add_error(
            "code", _("This code does not match: check the time on your phone and type the current code.")
        )
        secret = pending_secret(user)
    else:
        secret = None
    if secret is None:
        try:
            secret = enrolment_start(user=user)
        except TwoFactorError:
            return redirect("two-factor-enrol")
    uri = provisioning_uri(user, secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr": _qr_svg(uri),
            "secret": grouped,
            "pending": bool(data),
            "username": user.username,
        },
    )


@login_required
@require_POST
def account_two_factor_reset(request, pk: int):
    """The security administrator resets a user's second factor (audited; the user enrols again)."""
    check(request, "two_factor.reset")
    user = account_for(pk)
    two_factor_reset(actor=request.user, user=user)
    messages.success(
        request,
        _("The second factor of %(username)s was reset: they enrol again at their next sign-in.")
        % {"username": user.username},
    )
    return redirect("account-edit", pk=user.pk)
