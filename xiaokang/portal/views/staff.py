"""Staff side of portal account verification (U11, GB/T 22239-2019 8.1.4.1; PIPL art. 51): on the
person page, a section (registered with registry.sections) that shows the person's portal account and
lets staff whose scope covers the person (community worker, street officer, district) print a one-time
verification code for the resident, or unlink (and close) an account that is not the resident's.
Every action is audited; the person is read through registry.person_for, so a person outside the
user's area answers 404 as on the person page. docs/portal-accounts.md."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.core.capabilities import can, requires
from xiaokang.portal.forms_applicants import UnlinkForm
from xiaokang.portal.verification import (
    OFFICE_CODE_LIFETIME,
    VerificationError,
    account_unlink,
    accounts_of_person,
    format_office_code,
    office_code_issue,
)
from xiaokang.registry.selectors import person_for
from xiaokang.registry.views_persons import _see_other


def portal_account_section(request, person) -> dict | None:
    """The person page's "Portal account" section."""
    if not can(request.user, "portal_account.manage"):
        return None
    return {
        "template": "portal/staff/_person_portal.html",
        "anchor": "portal-account",
        "title": _("Portal account"),
        "accounts": list(accounts_of_person(person)),
        "lifetime_days": OFFICE_CODE_LIFETIME.days,
    }


@require_POST
@requires("portal_account.manage", person_kwarg="pk")
def office_code(request, pk: int):
    """Print a verification code for the resident (shown once on this page, never stored in clear);
    any earlier office code of the person stops working."""
    person = person_for(request.user, pk)
    code, expires_at = office_code_issue(actor=request.user, person=person)
    return render(
        request,
        "portal/staff/office_code.html",
        {"person": person, "code": format_office_code(code), "expires_at": expires_at},
    )


@require_http_methods(["GET", "POST"])
@requires("portal_account.manage", person_kwarg="pk")
def unlink(request, pk: int):
    """Detach the portal account from the person (with a reason), and optionally close it."""
    person = person_for(request.user, pk)
    accounts = list(accounts_of_person(person))
    status = 200
    if request.method == "POST":
        form = UnlinkForm(request.POST)
        if form.is_valid():
            try:
                count = account_unlink(
                    actor=request.user,
                    person=person,
                    reason=form.cleaned_data["reason"],
                    close=form.cleaned_data["close"],
                )
            except VerificationError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                if count:
                    messages.success(
                        request,
                        _("The portal account has been unlinked: it no longer shows anything of this person"),
                    )
                else:
                    messages.info(request, _("This person has no portal account."))
                return _see_other(reverse("person-detail", args=[person.pk]) + "#portal-account")
        status = 422
    else:
        form = UnlinkForm()
    return render(
        request,
        "portal/staff/unlink.html",
        {"person": person, "accounts": accounts, "form": form},
        status=status,
    )
