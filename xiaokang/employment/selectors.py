"""Employer reads (E1). ``employers_for(actor)`` is the one gate every employer query starts from,
as ``registry.selectors.persons_for`` is for persons: a street officer sees the employers of their street,
district staff every employer, anyone else none (an employer has a street but no community, so a
community worker's scope gives nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.scoping import gate
from xiaokang.employment.models import Employer


def employers_for(actor: Actor) -> QuerySet[Employer]:
    """Street officers see their street's employers, district roles all, everyone else none."""
    return Employer.objects.for_actor(actor).select_related("street")


def employer_for(actor: Actor, employer_id: int) -> Employer:
    """One employer, or Http404 for one outside the actor's scope and for one that does not exist alike
    (no existence leak); the refused attempt is audited."""
    return gate(employers_for(actor), employer_id, actor=actor, object_type="employer")


@dataclass(frozen=True)
class EmployerFilters:
    q: str = ""  # the start of the credit code, or a part of the name
    employer_type: str = ""
    street: str = ""  # a street's 12-digit code (or its 9-digit prefix)
    committee_member: bool | None = None


def search_employers(actor: Actor, filters: EmployerFilters) -> QuerySet[Employer]:
    """Employers in the actor's scope matching ``filters``, by name then credit code. Filters only narrow
    the scope, never widen it."""
    employers = employers_for(actor)
    q = filters.q.strip()
    if q:
        employers = employers.filter(Q(name__icontains=q) | Q(uscc__startswith=q.upper()))
    if filters.employer_type:
        employers = employers.filter(employer_type=filters.employer_type)
    if filters.street:
        code = filters.street if len(filters.street) == 12 else filters.street + "000"
        employers = employers.filter(street__code=code)
    if filters.committee_member is not None:
        employers = employers.filter(committee_member=filters.committee_member)
    return employers.order_by("name", "uscc", "pk")


def employer_by_uscc(actor: Actor, uscc: str) -> Employer | None:
    """The employer in the actor's scope with this unified social credit code (case and spaces around it
    ignored), else None: an employer elsewhere is not named (no existence leak)."""
    return employers_for(actor).filter(uscc=uscc.strip().upper()).first()


def has_employers(actor: Actor) -> bool:
    """Whether the actor has any employer in scope (a declaration can be recorded)."""
    return employers_for(actor).exists()
