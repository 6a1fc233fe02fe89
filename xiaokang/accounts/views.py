"""Account management for the security administrator (GB/T 22239-2019 8.1.4.2: manages accounts and roles,
cannot read persons or the audit log), the district administrators' decisions on role changes (三权分立: the
security administrator proposes, a district administrator approves; GB/T 22239-2019 8.1.4.2), and every
user's own password page (8.1.4.1). Views parse, call one service, render."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.accounts.forms import (
    AccountCreateForm,
    AccountUpdateForm,
    GrantDecisionForm,
    PasswordChangeForm,
)
from xiaokang.accounts.models import User
from xiaokang.accounts.selectors import account_for, account_rows, grant_for, grant_lists, pending_grant
from xiaokang.accounts.services import (
    AccountError,
    WrongPassword,
    grant_approve,
    grant_reject,
    password_change,
    password_set,
    user_create,
    user_unlock,
    user_update,
)
from xiaokang.accounts.twofactor import (
    TwoFactorError,
    accounts_waiting_for_factor,
    enrolment_code_issue,
    enrolment_code_needed,
    open_enrolment_code,
)
from xiaokang.core.capabilities import check


def _security_admin(request) -> None:
    """Deny by default: anyone without ``account.manage`` (the security administrator) gets 403, recorded."""
    check(request, "account.manage")


@login_required
def account_list(request):
    _security_admin(request)
    return render(request, "accounts/account_list.html", {"rows": account_rows()})


def _proposed_message(request, grant) -> None:
    messages.info(
        request,
        _(
            "Role change for %(username)s proposed: %(role)s. It applies once a district administrator "
            "approves it."
        )
        % {"username": grant.user.username, "role": grant.get_to_role_display()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request):
    _security_admin(request)
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(actor=request.user, **form.cleaned_data)
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Account %(username)s created. The user must change the password at the first sign-in.")
                % {"username": user.username},
            )
            grant = pending_grant(user)
            if grant is not None:
                _proposed_message(request, grant)
            return redirect("account-list")
    return render(request, "accounts/account_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    _security_admin(request)
    user = account_for(pk)
    pending = pending_grant(user)
    # An account without a role yet shows the role proposed for it.
    shown_role, shown_area = (
        (user.role, user.area)
        if user.role or pending is None
        else (
            pending.to_role,
            pending.to_area,
        )
    )
    initial = {
        "role": shown_role,
        "area_code": shown_area.code if shown_area else "",
        "is_active": user.is_active,
    }
    form = AccountUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password")
        try:
            grant = user_update(actor=request.user, user=user, **data)
            if password:
                password_set(actor=request.user, user=user, password=password)
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Account %(username)s saved.") % {"username": user.username})
            if grant is not None:
                _proposed_message(request, grant)
            if password:
                messages.info(
                    request,
                    _("%(username)s must change the new password at the next sign-in.")
                    % {"username": user.username},
                )
            return redirect("account-list")
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "account": user, "creating": False, "pending": pending},
    )


@login_required
@require_POST
def account_unlock(request, pk: int):
    _security_admin(request)
    user = account_for(pk)
    user_unlock(actor=request.user, user=user)
    messages.success(request, _("Account %(username)s unlocked.") % {"username": user.username})
    return redirect("account-list")


def _grant_page(request, *, can_decide: bool):
    pending, decided = grant_lists()
    return render(
        request,
        "accounts/grant_list.html",
        {
            "pending": pending,
            "decided": decided,
            "can_decide": can_decide,
            "form": GrantDecisionForm(),
            # Split knowledge (GB/T 22239-2019 8.1.4.2): the district administrators issue enrolment codes.
            "waiting": accounts_waiting_for_factor(actor=request.user) if can_decide else [],
        },
    )


@login_required
def grant_list(request):
    """Pending and decided role changes, for the district administrators to decide."""
    check(request, "grant.decide")
    return _grant_page(request, can_decide=True)


@login_required
def audit_grant_list(request):
    """The same list, read only, in the auditor's area."""
    check(request, "grant.audit")
    return _grant_page(request, can_decide=False)


@never_cache  # it may show an enrolment code once
@login_required
@require_POST
def grant_decide(request, pk: int, decision: str):
    check(request, "grant.decide")
    grant = grant_for(pk)
    form = GrantDecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    decide = grant_approve if decision == "approve" else grant_reject
    try:
        decide(actor=request.user, grant=grant, note=note)
    except AccountError as error:
        messages.error(request, str(error))
    else:
        done = (
            _("Role change for %(username)s approved: it applies now.")
            if decision == "approve"
            else _("Role change for %(username)s rejected.")
        )
        messages.success(request, done % {"username": grant.user.username})
        user = account_for(grant.user_id)
        if decision == "approve" and user.is_active and enrolment_code_needed(user):
            # The new role signs in with a second factor the account does not have: the approving
            # district administrator gets its enrolment code at once (split knowledge, 8.1.4.2).
            return _issue_and_show(request, user)
    return redirect("grant-list")


def _issue_and_show(request, user: User):
    try:
        code = enrolment_code_issue(actor=request.user, user=user)
    except TwoFactorError as error:
        messages.error(request, str(error))
        return redirect("grant-list")
    return render(
        request,
        "accounts/enrolment_code_issued.html",
        {"account": user, "code": code, "expires_at": open_enrolment_code(user).expires_at},
    )


@never_cache
@login_required
@require_POST
def enrolment_code_issue_view(request, pk: int):
    """A district administrator issues an account's enrolment code, shown once (Cache-Control: no-store)."""
    check(request, "two_factor.issue_code")
    user = account_for(pk)
    return _issue_and_show(request, user)


@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    """Every account changes its own password here; an account whose password someone else set is sent
    here after sign-in and reaches nothing else until done (accounts.middleware)."""
    form = PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                actor=request.user,
                current=form.cleaned_data["current_password"],
                new=form.cleaned_data["new_password"],
            )
        except WrongPassword:
            form.add_error("current_password", _("The current password is wrong."))
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            # This session stays signed in; the user's other sessions end (their hash no longer matches).
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("staff-home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
    )
