"""Account management for the security administrator (issue 3 §1: manages accounts and roles, cannot
read persons or the audit log). Views parse, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.accounts.forms import AccountCreateForm, AccountUpdateForm
from xiaokang.accounts.models import LoginFailure, Role, User
from xiaokang.accounts.services import AccountError, is_locked, user_create, user_unlock, user_update


def _security_admin(request) -> None:
    if request.user.role != Role.SECURITY_ADMIN:
        raise PermissionDenied


@login_required
def account_list(request):
    _security_admin(request)
    users = list(User.objects.select_related("area").order_by("username"))
    failing = set(LoginFailure.objects.values_list("username", flat=True))
    rows = [{"user": u, "locked": u.username in failing and is_locked(u.username)} for u in users]
    return render(request, "accounts/account_list.html", {"rows": rows})


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
            messages.success(request, _("Account %(username)s created.") % {"username": user.username})
            return redirect("account-list")
    return render(request, "accounts/account_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    _security_admin(request)
    user = get_object_or_404(User, pk=pk)
    initial = {
        "role": user.role,
        "area_code": user.area.code if user.area else "",
        "is_active": user.is_active,
    }
    form = AccountUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=request.user, user=user, **form.cleaned_data)
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Account %(username)s saved.") % {"username": user.username})
            return redirect("account-list")
    return render(request, "accounts/account_form.html", {"form": form, "account": user, "creating": False})


@login_required
@require_POST
def account_unlock(request, pk: int):
    _security_admin(request)
    user = get_object_or_404(User, pk=pk)
    user_unlock(actor=request.user, user=user)
    messages.success(request, _("Account %(username)s unlocked.") % {"username": user.username})
    return redirect("account-list")
