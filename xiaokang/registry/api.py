"""The persons API (R1–R5; docs/api.md). Handlers parse, call one selector or service, and render
(ARCHITECTURE rule 1): the scope is ``selectors.persons_for``/``person_for`` (404 out of scope, audited),
validation and history are ``services.person_save`` (the import's own rules), exactly as for the staff pages.

Only registry readers pass (``TokenAuth("person.read")``): the auditor and the security administrator
get 403 on every endpoint here (三权分立)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.errors import HttpError

from xiaokang.accounts.api import DetailOut, TokenAuth
from xiaokang.audit.services import log_action
from xiaokang.registry.models import Person
from xiaokang.registry.reading import BulkReadLimited, list_action, record_read
from xiaokang.registry.schemas import (
    PersonCreate,
    PersonOut,
    PersonPage,
    PersonQuery,
    PersonSearch,
    PersonUpdate,
    ValidationErrorOut,
    person_list_item,
    person_out,
    person_values_from,
)
from xiaokang.registry.search import PersonFilters, search_persons
from xiaokang.registry.selectors import active_certificates, person_for
from xiaokang.registry.services import person_save

router = Router(tags=["persons"], auth=TokenAuth("person.read"))

ERRORS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ValidationErrorOut}
READ_ERRORS = {k: v for k, v in ERRORS.items() if k != 404}
LIST_ERRORS = {**READ_ERRORS, 429: DetailOut}
# Writes: too many rows refused as outside the caller's area recently (services.OutOfAreaLimitReached).
LIMITED = {429: DetailOut}

STALE = (
    "该人员记录已被他人修改，请重新读取后再改 / the person was changed by someone else since you read it: "
    "read it again (its new version is in ETag) and retry"
)
# Person ids are 64-bit (BigAutoField): a larger number in the URL names nobody.


def person_in_scope(request: HttpRequest, person_id: int) -> Person:
    """``selectors.person_for``: 404 for a person out of scope and for a missing one alike (an id past 64 bits
    too), audited (``accounts.scoping.gate``)."""
    return person_for(request.auth, person_id)


def _render(person: Person) -> dict:
    return person_out(person, active_certificates([person.pk]).get(person.pk))


def _page(request: HttpRequest, query: PersonQuery) -> dict:
    actor = request.auth
    filters = PersonFilters(
        name=query.search or "",
        id_number=query.id_number or "",
        certificate_number=query.certificate_number or "",
        street=query.street or "",
        community=query.community or "",
        category=query.category or "",
        grade=query.grade,
        economic_status=query.economic_status or "",
        status=query.status or "",
    )
    page = search_persons(actor, filters, after=query.after, limit=query.limit)
    # One audit event per call with its filters (numbers as blind indexes) and the number of persons
    # returned; the persons count against the bulk-read limit: 429 past it (U11; PIPL art. 51).
    try:
        record_read(
            actor,
            list_action(filters),
            rows=len(page.persons),
            filters=filters,
            details={"api": True, "after": query.after},
        )
    except BulkReadLimited as refused:
        raise HttpError(429, refused.message()) from None
    certificates = active_certificates([p.pk for p in page.persons])
    return {
        # The list item carries the birth year, not the date: with the masked ID's address code and last
        # four digits, a full birth date would rebuild the whole ID number (PIPL art. 28).
        "items": [person_list_item(p, certificates.get(p.pk)) for p in page.persons],
        "next_after": page.next_after,
    }


@router.get("", response={200: PersonPage, **LIST_ERRORS}, summary="List and search persons")
def persons_list(request: HttpRequest, query: Query[PersonQuery]):
    """Persons in your area in id order, filtered; keyset pagination with `after` and `limit`.
    An ID or certificate number in a URL may be kept in logs and histories: prefer
    `POST /api/v1/persons/search` for those.

    Items give `birth_year`, not the birth date (the masked ID's hidden digits are the birth date; the
    date is on `GET /api/v1/persons/{id}`). Every call is audited with its filters and the number of
    persons returned; past `XIAOKANG_BULK_READ_LIMIT` persons in the window the answer is 429."""
    return _page(request, query)


@router.post(
    "/search", response={200: PersonPage, **LIST_ERRORS}, summary="Search persons (filters in the body)"
)
def persons_search(request: HttpRequest, query: PersonSearch):
    """The same filters and answer as `GET /api/v1/persons`, sent as a JSON body, so that an ID or
    certificate number never appears in a URL."""
    return _page(request, query)


@router.post("", response={201: PersonOut, **READ_ERRORS, **LIMITED}, summary="Create a person")
def person_create(request: HttpRequest, response: HttpResponse, payload: PersonCreate):
    """Validated exactly as a row of the import file; recorded in the person's history and the audit
    trail (source `api`). A street officer or community worker may create persons only in their area: an
    ID number registered elsewhere gets the same neutral 422 as a row naming another area (the district
    handles it; request a transfer), and too many such refusals answer 429."""
    result = person_save(actor=request.auth, values=person_values_from(payload), source="api")
    if result.limited:
        raise HttpError(429, result.errors[0]["message"])
    if result.errors:
        return Status(422, {"detail": result.errors})
    person = person_for(request.auth, result.person_id)
    response["Location"] = f"{request.path.rstrip('/')}/{person.pk}"
    response["ETag"] = _etag(person)
    return Status(201, _render(person))


@router.get("/{int:person_id}", response={200: PersonOut, **ERRORS}, summary="One person")
def person_detail(request: HttpRequest, response: HttpResponse, person_id: int):
    """A person in your area (404 otherwise, and the attempt is audited). Every view is audited.
    The `ETag` header is the person's version, for `If-Match` on a later PATCH."""
    person = person_in_scope(request, person_id)
    log_action(
        request.auth,
        "person.view",
        object_type="person",
        object_id=person.pk,
        person_id=person.pk,
    )
    response["ETag"] = _etag(person)
    return _render(person)


def _etag(person: Person) -> str:
    return f'"{person.version}"'


def _if_match(request: HttpRequest) -> int | None:
    """The version named by an ``If-Match`` header (``"3"``, ``W/"3"`` or ``3``); None without one (or with
    ``*``: any version); -1 when it names no version, which never matches."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    text = header.strip().removeprefix("W/").strip('"')
    return int(text) if text.isdigit() else -1


@router.patch(
    "/{int:person_id}",
    response={200: PersonOut, 412: DetailOut, **ERRORS, **LIMITED},
    summary="Change a person",
)
def person_update(request: HttpRequest, response: HttpResponse, person_id: int, payload: PersonUpdate):
    """Any subset of the import format's fields; the rest stay as they are. Validated as an import row;
    the ID number cannot be changed; a person cannot be moved out of your area. Nothing is written when
    there is an error.

    Send `If-Match: "<version>"` (the `version`/`ETag` you read) so that a change saved by someone else
    in the meantime is not overwritten: a stale version answers 412 and changes nothing, as the edit page
    does."""
    person = person_in_scope(request, person_id)
    values = person_values_from(payload)
    result = person_save(
        actor=request.auth,
        values=values,
        person_id=person.pk,
        source="api",
        expected_version=_if_match(request),
    )
    if result.conflict_version is not None:
        raise HttpError(412, STALE)
    if result.limited:
        raise HttpError(429, result.errors[0]["message"])
    if result.errors:
        return Status(422, {"detail": result.errors})
    person = person_for(request.auth, person.pk)
    response["ETag"] = _etag(person)
    return _render(person)
