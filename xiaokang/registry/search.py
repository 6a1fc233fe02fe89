"""Finding persons (R1; docs/pages.md, docs/api.md): search by name prefix, by ID number (exact, through the
blind index) and by certificate number, filters, and keyset pagination. Every search starts from the actor's
scope (``persons_for``), so pages, the API and exports see exactly the same persons."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xiaokang.accounts.actors import Actor
from xiaokang.core import crypto
from xiaokang.core.identifiers import IdentifierError, parse_certificate_number
from xiaokang.registry.models import Person
from xiaokang.registry.selectors import persons_for
from xiaokang.registry.vocabulary import CATEGORY_BY_CODE

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# The highest code point: "name >= p AND name < p + MAX_CHAR" is the index range of names starting with p
# (code-point order: SQLite's BINARY collation, PostgreSQL's C collation used here).
MAX_CHAR = "\U0010ffff"


@dataclass(frozen=True)
class PersonFilters:
    name: str = ""  # a prefix of the name
    id_number: str = ""  # exact
    certificate_number: str = ""  # exact
    street: str = ""  # 9- or 12-digit code
    community: str = ""  # 12-digit code
    category: str = ""  # identifier (visual …) of the active certificate
    grade: int | None = None
    economic_status: str = ""
    status: str = ""


@dataclass
class Page:
    persons: list[Person]
    next_after: int | None  # pass as ``after`` for the next page; None on the last page


def _filtered(actor: Actor, filters: PersonFilters) -> QuerySet[Person]:
    qs = persons_for(actor)
    if filters.name:
        name = filters.name.strip()
        qs = qs.filter(name__gte=name, name__lt=name + MAX_CHAR, name__startswith=name)
    if filters.id_number:
        qs = qs.filter(id_number_index=crypto.blind_index(filters.id_number.strip().upper()))
    if filters.certificate_number:
        try:
            cert = parse_certificate_number(filters.certificate_number)
        except IdentifierError:
            return qs.none()
        qs = qs.filter(
            id_number_index=crypto.blind_index(cert.id_number),
            certificates__category=CATEGORY_BY_CODE[cert.category_code],
            certificates__grade=cert.grade,
            certificates__reissue=cert.reissue,
        )
    if filters.street:
        code = filters.street.strip()
        qs = qs.filter(street__code=code + "000" if len(code) == 9 else code)
    if filters.community:
        qs = qs.filter(community__code=filters.community.strip())
    if filters.category or filters.grade:
        active = Q(certificates__status="active")
        if filters.category:
            active &= Q(certificates__category=filters.category)
        if filters.grade:
            active &= Q(certificates__grade=filters.grade)
        qs = qs.filter(active)
    if filters.economic_status:
        qs = qs.filter(household__economic_status=filters.economic_status)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def search_persons(
    actor: Actor,
    filters: PersonFilters = PersonFilters(),
    *,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of persons in id order after ``after`` (keyset pagination: constant cost per page, no
    OFFSET). Raises ScopeRequiredError without an actor."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    qs = _filtered(actor, filters)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.select_related("street", "community", "household").order_by("pk").distinct()[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].pk if more and rows else None)


def count_persons(actor: Actor, filters: PersonFilters = PersonFilters()) -> int:
    return _filtered(actor, filters).distinct().count()


def persons_to_export(actor: Actor, filters: PersonFilters = PersonFilters()) -> QuerySet[Person]:
    """Every person of the filtered list (the person list's export, core.listing), in the list's order
    (id), with what its columns read. Scoped like the list: a filter narrows the actor's area."""
    return (
        _filtered(actor, filters)
        .select_related("street", "community", "household")
        .prefetch_related("certificates")
        .order_by("pk")
        .distinct()
    )
