"""Transfers between streets in the API (R6, S4; U11): ``/api/v1/transfers``. Handlers parse, call the
selector or service of ``registry.transfers``, and render. The list is scoped (the district: all; a street
officer: into or out of their street); the receiving street sees nothing of the person (no id, no street
it comes from) until the district approves."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from xiaokang.accounts.api import DetailOut, TokenAuth
from xiaokang.core.errors import api_answer
from xiaokang.registry.schemas import ValidationErrorOut
from xiaokang.registry.transfers import (
    TransferConflict,
    TransferError,
    TransferNotAllowed,
    TransferView,
    transfer_cancel,
    transfer_decide,
    transfer_for,
    transfer_request,
    transfer_view,
    transfer_views,
    transfers_listed,
)

router = Router(tags=["transfers"], auth=TokenAuth("transfer.request"))
ERRORS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 409: DetailOut, 422: ValidationErrorOut}


def _unprocessable(error: TransferError) -> Status:
    """A broken rule answers 422 in the shape of every other 422 of the API (config/api.py), naming the
    input it is about."""
    return Status(*api_answer(error))


PAGE_SIZE = 100


class TransferRequestIn(Schema):
    person_id: int | None = Field(None, description="the sending street: a person of your area")
    id_number: str | None = Field(None, max_length=18, description="the receiving street: the ID number")
    name: str | None = Field(None, max_length=50, description="the receiving street: the name")
    to_community: str = Field(description="the community's 12-digit code (in another street)")
    reason: str = Field(max_length=200)


class TransferDecideIn(Schema):
    approve: bool
    version: int = Field(description="the transfer's version as read (optimistic concurrency)")
    note: str = Field("", max_length=200)


class TransferCancelIn(Schema):
    version: int


class TransferOut(Schema):
    id: int
    state: str
    side: str = Field(description="who asked: from (the sending street) or to (the receiving street)")
    person_id: int | None = Field(description="null while you may not see the person")
    name: str = Field(description="empty while you may not see the person")
    id_number_masked: str
    from_street: str | None = Field(description="code; null while you may not see the person")
    from_community: str | None
    to_street: str
    to_community: str
    requested_at: dt.datetime
    reason: str
    decided_at: dt.datetime | None
    note: str
    version: int


class TransferPage(Schema):
    items: list[TransferOut]
    next_after: int | None


class TransferQuery(Schema):
    state: str | None = Field(None, pattern="^(requested|approved|rejected|cancelled)$")
    after: int | None = Field(None, ge=0, description="the last id of the previous page")


def _out(view: TransferView) -> dict:
    t = view.transfer
    return {
        "id": t.pk,
        "state": t.state,
        "side": t.side,
        "person_id": t.person_id if view.person_visible else None,
        "name": view.name,
        "id_number_masked": view.id_masked,
        "from_street": t.from_street.code if view.person_visible else None,
        "from_community": t.from_community.code if view.person_visible else None,
        "to_street": t.to_street.code,
        "to_community": t.to_community.code,
        "requested_at": t.requested_at,
        "reason": t.reason,
        "decided_at": t.decided_at,
        "note": t.note,
        "version": t.version,
    }


@router.get("", response={200: TransferPage, 401: DetailOut, 403: DetailOut}, summary="List transfers")
def transfers_list(request: HttpRequest, query: Query[TransferQuery]):
    """Transfers into or out of your area (the district: all), newest id first; `state` filters,
    `after` pages by id."""
    page = transfers_listed(request.auth, limit=PAGE_SIZE + 1, state=query.state, after=query.after)
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    return {
        "items": [_out(v) for v in transfer_views(request.auth, page)],
        "next_after": page[-1].pk if more else None,
    }


def _called(service, **arguments):
    """``(transfer, None)`` from the service, or ``(None, the 422 answer)``; a refusal by role answers
    403 and a stale version 409 (raised)."""
    try:
        return service(**arguments), None
    except TransferNotAllowed as refused:
        raise HttpError(403, str(refused)) from None
    except TransferConflict as conflict:
        raise HttpError(409, str(conflict)) from None
    except TransferError as error:
        return None, _unprocessable(error)


@router.post("", response={201: TransferOut, **ERRORS}, summary="Request a transfer")
def transfers_create(request: HttpRequest, payload: TransferRequestIn):
    """The sending street sends `person_id`; the receiving street sends `id_number` and `name` (and may
    ask only for one of its own communities). A wrong ID number and name pair answers the same 422
    whether or not the person exists; such refusals are audited and rate-limited."""
    transfer, refused = _called(
        transfer_request,
        actor=request.auth,
        person_id=payload.person_id,
        id_number=payload.id_number or "",
        name=payload.name or "",
        to_community=payload.to_community,
        reason=payload.reason,
    )
    return refused or Status(201, _out(transfer_view(request.auth, transfer)))


@router.post("/{int:transfer_id}/decide", response={200: TransferOut, **ERRORS}, summary="Approve or reject")
def transfers_decide(request: HttpRequest, transfer_id: int, payload: TransferDecideIn):
    """The district only (403 otherwise). Approving moves the person (history source `transfer`). A stale
    `version` answers 409 and changes nothing."""
    transfer, refused = _called(
        transfer_decide,
        actor=request.auth,
        transfer_id=transfer_id,
        approve=payload.approve,
        expected_version=payload.version,
        note=payload.note,
    )
    return refused or _out(transfer_view(request.auth, transfer))


@router.post("/{int:transfer_id}/cancel", response={200: TransferOut, **ERRORS}, summary="Withdraw")
def transfers_cancel(request: HttpRequest, transfer_id: int, payload: TransferCancelIn):
    """The street that asked (or the district) withdraws a transfer still waiting for a decision."""
    transfer, refused = _called(
        transfer_cancel, actor=request.auth, transfer_id=transfer_id, expected_version=payload.version
    )
    return refused or _out(transfer_view(request.auth, transfer_for(request.auth, transfer.pk)))
