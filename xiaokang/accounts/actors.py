"""Who is acting. Every service takes an ``actor``; every selector starts from the actor's scope.

A ``User`` is an actor. Batch jobs run as a ``SystemActor`` that names why (the command line, the seed),
so a query never runs "as nobody" (ARCHITECTURE rule 2)."""

from __future__ import annotations

from dataclasses import dataclass

from xiaokang.accounts.models import REGISTRY_READERS, Role, User


@dataclass(frozen=True)
class SystemActor:
    """District-wide context for batch jobs; ``label`` says which one (e.g. "cli import persons.xlsx")."""

    label: str
    pk = None
    role = Role.DISTRICT_ADMIN
    area_id = None

    @property
    def username(self) -> str:
        return f"system:{self.label}"


@dataclass(frozen=True)
class ApplicantActor:
    """A resident signed in to the public portal (S4, U11) with an applicant account: not staff, so
    no registry scope (``scope_of`` gives ``none``) and no staff role; the portal's own views pass the
    person an account is linked to. ``account_id`` names the account in the audit trail."""

    account_id: int
    pk = None
    role = "applicant"
    area_id = None
    is_active = True

    @property
    def username(self) -> str:
        return f"applicant:{self.account_id}"


Actor = User | SystemActor | ApplicantActor


class ScopeRequiredError(RuntimeError):
    """A registry query was attempted without saying who is asking."""


@dataclass(frozen=True)
class Scope:
    """What part of the district an actor sees: ``all``, one ``street``, one ``community``, or ``none``."""

    kind: str
    area_id: int | None = None


def scope_of(actor: Actor | None) -> Scope:
    if actor is None:
        raise ScopeRequiredError("registry queries need an actor (a user or a SystemActor)")
    if isinstance(actor, SystemActor):
        return Scope("all")
    if not actor.is_active or actor.role not in REGISTRY_READERS:
        return Scope("none")
    if actor.role == Role.STREET_OFFICER:
        return Scope("street", actor.area_id)
    if actor.role == Role.COMMUNITY_WORKER:
        return Scope("community", actor.area_id)
    return Scope("all")


def in_scope(
    queryset,
    actor: Actor | None,
    *,
    street: str | tuple[str, ...] = "street_id",
    community: str | None = "community_id",
):
    """``queryset`` narrowed to the actor's area: the one rule every scoped read applies (R1; GB/T 22239-2019
    8.1.4.2). ``street`` and ``community`` name the lookups that give a row's area (persons, applications,
    outreach tasks have both; an employer has a street only, ``community=None``: community workers see none,
    and a declaration reaches it through ``employer__street_id``). Several street lookups: a row is in a
    street if any of them is (a transfer is seen by the street it leaves and the one it enters)."""
    scope = scope_of(actor)
    if scope.kind == "all":
        return queryset
    if scope.kind == "street":
        if isinstance(street, tuple):
            from django.db.models import Q

            either = Q()
            for lookup in street:
                either |= Q(**{lookup: scope.area_id})
            return queryset.filter(either)
        return queryset.filter(**{street: scope.area_id})
    if scope.kind == "community" and community is not None:
        return queryset.filter(**{community: scope.area_id})
    return queryset.none()


def actor_label(actor: Actor) -> str:
    return actor.username
