"""The transfer pages (R6, S4; U11): the sending street's request from the person's page, the receiving
street's request by ID number and name (from the person list), and the list of transfers, which for the
district is the queue it approves or rejects. Views parse, call ``registry.transfers`` and render; scope
and rules live there. Deny by default: street officers and the district (403 for anyone else, audited)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from xiaokang.accounts.actors import scope_of
from xiaokang.core.capabilities import can, requires
from xiaokang.core.language import in_page_language
from xiaokang.core.selectors import communities
from xiaokang.registry.forms import add_service_error
from xiaokang.registry.models import TransferState
from xiaokang.registry.selectors import person_for
from xiaokang.registry.transfers import (
    TransferConflict,
    TransferError,
    TransferNotAllowed,
    transfer_cancel,
    transfer_decide,
    transfer_request,
    transfer_views,
    transfers_listed,
)
from xiaokang.registry.views_persons import _see_other

LIST_SIZE = 200


def _community_choices(*, street_id: int | None = None, exclude_street_id: int | None = None):
    found = communities(street_id=street_id, exclude_street_id=exclude_street_id)
    return [("", "—")] + [(c.code, f"{c.parent.name} — {c.name}") for c in found]


class TransferForm(forms.Form):
    to_community = forms.ChoiceField(label=gettext_lazy("Community it moves to"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_community"].choices = choices


class TransferInForm(TransferForm):
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=18,
        help_text=gettext_lazy("18 characters, as on the person's ID card."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    field_order = ["id_number", "name", "to_community", "reason"]


@require_http_methods(["GET", "POST"])
@requires("transfer.request", person_kwarg="pk")
def person_transfer(request, pk: int):
    """The sending street (or the district) asks to move this person to another street."""
    actor = request.user
    person = person_for(actor, pk)
    form = TransferForm(request.POST or None, choices=_community_choices(exclude_street_id=person.street_id))
    return _request_page(request, form, person)


def _request_page(request, form, person):
    """The request form, and on a valid POST the request: the sending street names ``person``, the
    receiving street (``person`` None) the ID number and name typed."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        who = {"person_id": person.pk} if person else {"id_number": data["id_number"], "name": data["name"]}
        try:
            transfer_request(
                actor=request.user, to_community=data["to_community"], reason=data["reason"], **who
            )
        except TransferError as error:
            add_service_error(form, None, str(error))
        else:
            messages.success(request, _("The transfer has been requested: the district office decides it."))
            return _see_other(reverse("transfer-list"))
    return render(request, "registry/transfers/request.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
@requires("transfer.request")
def transfer_request_page(request):
    """The receiving street asks for a person registered elsewhere, by ID number and name only."""
    actor = request.user
    scope = scope_of(actor)
    street_id = scope.area_id if scope.kind == "street" else None
    form = TransferInForm(request.POST or None, choices=_community_choices(street_id=street_id))
    return _request_page(request, form, None)


@require_http_methods(["GET"])
@requires("transfer.request")
def transfer_list(request):
    actor = request.user
    state = request.GET.get("state", TransferState.REQUESTED)
    if state not in TransferState.values and state != "all":
        state = TransferState.REQUESTED
    transfers = transfers_listed(
        actor, limit=LIST_SIZE, state=None if state == "all" else state, newest_request=True
    )
    views = transfer_views(actor, transfers)
    return render(
        request,
        "registry/transfers/list.html",
        {
            "views": views,
            "state": state,
            "states": [*TransferState.choices, ("all", _("all"))],
            "can_decide": can(actor, "transfer.decide"),
            "limit": LIST_SIZE,
        },
    )


def _version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@require_POST
@requires("transfer.request")
def transfer_decide_page(request, pk: int):
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return redirect("transfer-list")
    try:
        transfer_decide(
            actor=request.user,
            transfer_id=pk,
            approve=decision == "approve",
            expected_version=_version(request),
            note=request.POST.get("note", ""),
        )
    except TransferNotAllowed:
        raise PermissionDenied from None
    except (TransferConflict, TransferError) as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(
            request,
            _("The transfer has been approved and the person moved.")
            if decision == "approve"
            else _("The transfer has been rejected."),
        )
    return _see_other(reverse("transfer-list"))


@require_POST
@requires("transfer.request")
def transfer_cancel_page(request, pk: int):
    try:
        transfer_cancel(
            actor=request.user,
            transfer_id=pk,
            expected_version=_version(request),
        )
    except TransferNotAllowed:
        raise PermissionDenied from None
    except (TransferConflict, TransferError) as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(request, _("The transfer has been withdrawn."))
    return _see_other(reverse("transfer-list"))
