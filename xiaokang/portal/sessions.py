"""Which applicant (if any) is signed in to the portal (S4, U11).

An applicant's session holds only ``applicant_id`` (never django.contrib.auth's keys), so an applicant
session can never open a staff page; and a session signed in as staff is never an applicant's. The
session expires as the site's does (30 minutes idle, SESSION_SAVE_EVERY_REQUEST); its key is renewed at
sign-in. docs/portal-accounts.md."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

SESSION_KEY = "applicant_id"
_CACHE = "_xiaokang_applicant"


def current_applicant(request):
    """The signed-in, active applicant account, or None (cached on the request)."""
    if request is None or not hasattr(request, "session"):
        return None
    if hasattr(request, _CACHE):
        return getattr(request, _CACHE)
    account = None
    user = getattr(request, "user", None)
    pk = request.session.get(SESSION_KEY)
    if pk is not None and not (user is not None and user.is_authenticated):
        from xiaokang.portal.models import ApplicantAccount

        account = ApplicantAccount.objects.filter(pk=pk, is_active=True).select_related("person").first()
    setattr(request, _CACHE, account)
    return account


def sign_in(request, account) -> None:
    """Start an applicant session: a new session (new key, nothing of a previous session kept, a staff
    sign-in in the same browser included) holding only the account's id."""
    request.session.flush()
    request.session[SESSION_KEY] = account.pk
    setattr(request, _CACHE, account)


def sign_out(request) -> None:
    request.session.flush()
    setattr(request, _CACHE, None)


def applicant_context(request) -> dict:
    return {"applicant": current_applicant(request)}


def applicant_required(view):
    """Signed in as an applicant, else to the applicant sign-in page with ``?next=`` (never cached)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if current_applicant(request) is None:
            return HttpResponseRedirect(
                reverse("applicant-login") + "?next=" + quote(request.get_full_path(), safe="/")
            )
        return view(request, *args, **kwargs)

    return never_cache(guarded)
