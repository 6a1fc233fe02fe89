"""Applications over the API (S4):

- ``POST /api/v1/applications`` ``{"id_number", "policy", "channel", "received_on"}`` → 201 with ``id``,
  ``number``, ``state``, ``accept_by``, ``decide_by``, ``version``. An ``Idempotency-Key`` header makes a
  retried request find the application the first one created (one application, never two).
- ``POST /api/v1/applications/{id}/transitions`` ``{"action", "reason", "version"}`` → the new state and
  version. A stale version answers 409 whatever the action; 403 when separation of duties bars this
  officer (they took an earlier step of the application: "you accepted this application; another officer
  must forward it"); an action not allowed in the state or to this user's role 422; out of scope 404.
- ``GET /api/v1/applications/{id}``: the application with its history.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from xiaokang.accounts.api import DetailOut, TokenAuth
from xiaokang.cases.models import Application
from xiaokang.cases.selectors import application_for, application_history
from xiaokang.cases.services import WorkflowError, application_submit, application_transition
from xiaokang.core.errors import api_answer
from xiaokang.core.ids import MAX_ROW_ID
from xiaokang.registry.search import PersonFilters, search_persons

router = Router(tags=["applications"], auth=TokenAuth("application.read"))


class ApplicationIn(Schema):
    id_number: str
    policy: str
    channel: str
    received_on: dt.date


class TransitionIn(Schema):
    action: str
    reason: str = ""
    version: int
    # An approval with a document the policy requires missing is refused (422, field ``documents``)
    # unless overridden explicitly, with a reason (S4, G2).
    override: bool = False
    override_reason: str = ""


class FieldErrorOut(Schema):
    field: str
    column: str
    message: str


class ErrorsOut(Schema):
    detail: list[FieldErrorOut]


class EventOut(Schema):
    at: dt.datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    reason: str
    details: dict


class ApplicationOut(Schema):
    id: int
    number: str
    person_id: int
    policy: str
    channel: str
    received_on: dt.date
    state: str
    accept_by: dt.date
    decide_by: dt.date
    deadlines_provisional: bool
    version: int


class ApplicationDetailOut(ApplicationOut):
    history: list[EventOut]


def _out(application: Application) -> dict:
    return {
        "id": application.pk,
        "number": application.number,
        "person_id": application.person_id,
        "policy": application.policy_id,
        "channel": application.channel,
        "received_on": application.received_on,
        "state": application.state,
        "accept_by": application.accept_by,
        "decide_by": application.decide_by,
        "deadlines_provisional": application.deadlines_provisional,
        "version": application.version,
    }


@router.post(
    "",
    response={201: ApplicationOut, 401: DetailOut, 403: DetailOut, 422: ErrorsOut},
    summary="Submit an application",
)
def applications_create(request: HttpRequest, response: HttpResponse, payload: ApplicationIn):
    """Record an application for a person in your area. `Idempotency-Key` (header): a retried request
    with the same key answers with the application the first one created."""
    persons = search_persons(request.auth, PersonFilters(id_number=payload.id_number), limit=1).persons
    if not persons:
        return Status(
            422,
            {
                "detail": [
                    {
                        "field": "id_number",
                        "column": "公民身份号码",
                        "message": "您的工作范围内没有此公民身份号码的人员 / "
                        "no person with this ID number in your area",
                    }
                ]
            },
        )
    try:
        submission = application_submit(
            actor=request.auth,
            person=persons[0],
            policy_id=payload.policy,
            channel=payload.channel,
            received_on=payload.received_on,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
    except WorkflowError as error:
        return Status(*api_answer(error))
    response["Location"] = f"/api/v1/applications/{submission.application.pk}"
    return Status(201, _out(submission.application))


@router.get(
    "/{int:application_id}",
    response={200: ApplicationDetailOut, 401: DetailOut, 403: DetailOut, 404: DetailOut},
)
def applications_detail(request: HttpRequest, application_id: int):
    """An application in your area with its history (404 otherwise, audited)."""
    if application_id > MAX_ROW_ID:
        application_id = 0
    application = application_for(request.auth, application_id)
    return {
        **_out(application),
        "history": [
            {
                "at": event.at,
                "actor": event.actor_label,
                "action": event.action,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "reason": event.reason,
                "details": event.details,
            }
            for event in application_history(application)
        ],
    }


@router.post(
    "/{int:application_id}/transitions",
    response={
        200: ApplicationOut,
        401: DetailOut,
        403: DetailOut,
        404: DetailOut,
        409: DetailOut,
        422: ErrorsOut,
    },
    summary="Move an application on",
)
def applications_transition(request: HttpRequest, application_id: int, payload: TransitionIn):
    """Actions: accept, return, forward, send_back, approve, reject, enrol, appeal. The version you read
    is checked first (409 when stale); 403 when you took an earlier step that bars you from this one
    (separation of duties: whoever accepted does not forward, whoever reviewed does not decide, the
    approver does not enrol); an action not allowed now or to your role is 422. An approval with a
    document the policy requires missing is 422 (field ``documents``) unless ``override`` is true with an
    ``override_reason`` (recorded in the timeline and the audit trail)."""
    if application_id > MAX_ROW_ID:
        application_id = 0
    application = application_for(request.auth, application_id)
    try:
        application = application_transition(
            actor=request.auth,
            application=application,
            action=payload.action,
            version=payload.version,
            reason=payload.reason,
            override=payload.override,
            override_reason=payload.override_reason,
        )
    except WorkflowError as error:
        # stale → 409; duty (separation of duties, U11, G2: another officer must take this step) → 403;
        # anything else 422 naming the action (core.errors.STATUS).
        return Status(*api_answer(error, field="action"))
    return Status(200, _out(application))
