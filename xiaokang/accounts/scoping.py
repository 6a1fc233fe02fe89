"""Scoping that blocks by default, and the one "this object for this actor, or 404" gate (ARCHITECTURE
rule 2; R1; GB/T 22239-2019 8.1.4.2). docs/architecture/scoping.md.

A model whose rows belong to an area declares ``objects = AreaScopedManager(street=…, community=…)``.
Then ``Model.objects.for_actor(actor)`` gives the rows in the actor's area (``actors.in_scope``), and
``Model.objects.unscoped(reason="…")`` every row, for a named system context. Anything else read through
the manager (``Model.objects.filter/get/all/count/update/…``) raises ``ScopeRequired``: forgetting the
scope is a crash in the tests, never a leak in production.

Decisions (recorded in docs/architecture/scoping.md):
- creation is not a read: ``Model.objects.create`` and ``bulk_create`` work without a scope;
- related managers (``person.applications.all()``, ``roster.lines``) and forward foreign keys read the
  rows of an object the caller already holds, so they are not blocked; to show them to a scoped actor
  narrow them with ``.for_actor(actor)`` (they have it, being built on the same manager class);
- Django's base manager (``refresh_from_db``, deletion, serialisation for the tests' rollback) stays the
  plain unscoped ``Manager``, and the manager is not used in migrations (data migrations see plain
  managers).
"""

from __future__ import annotations

from django.db import models
from django.http import Http404

from xiaokang.accounts.actors import Actor, ScopeRequiredError, in_scope
from xiaokang.audit.services import log_action
from xiaokang.core.ids import MAX_ROW_ID


class ScopeRequired(ScopeRequiredError):
    """A scoped model was queried without ``for_actor(actor)`` or ``unscoped(reason=…)``."""


class AreaScopedQuerySet(models.QuerySet):
    """A queryset that remembers how it was scoped (``scoped_by``): ``("actor", actor)`` after
    ``for_actor``, ``("unscoped", reason)`` after ``unscoped``, ``None`` from a related manager."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scoped_by: tuple[str, object] | None = None

    def _clone(self):
        clone = super()._clone()
        clone.scoped_by = self.scoped_by
        return clone

    def for_actor(self, actor: Actor) -> AreaScopedQuerySet:
        """The rows in ``actor``'s area; none for scope ``none``; ``ScopeRequired`` without an actor."""
        if actor is None:
            raise ScopeRequired(f"{self.model.__name__}.objects.for_actor() needs an actor, not None")
        street, community = _lookups(self.model)
        scoped = in_scope(self.all(), actor, street=street, community=community)
        scoped.scoped_by = ("actor", actor)
        return scoped

    def unscoped(self, *, reason: str) -> AreaScopedQuerySet:
        """Every row, for a named system context (a batch job, the SQL compilers, an existence check
        the caller audits). ``reason`` is said in words, so every such read can be found and judged."""
        if not isinstance(reason, str) or not reason.strip():
            raise ScopeRequired(f"{self.model.__name__}.objects.unscoped() needs a reason, in words")
        every = self.all()
        every.scoped_by = ("unscoped", reason)
        return every


def _lookups(model) -> tuple[str, str | None]:
    manager = model.__dict__.get("_area_manager") or model._meta.default_manager
    return manager.street, manager.community


class AreaScopedManager(models.Manager.from_queryset(AreaScopedQuerySet)):
    """The manager of a model whose rows belong to an area. ``street`` and ``community`` name the lookups
    that give a row's area (``community=None``: the model has no community, a community worker sees
    none). ``person`` names the field holding the person a row is about, for the audit of a refused
    read (``"pk"`` for the person itself; ``None``: not recorded)."""

    # Data migrations get Django's plain manager, never this one.
    use_in_migrations = False

    def __init__(
        self,
        *,
        street: str | tuple[str, ...] = "street_id",
        community: str | None = "community_id",
        person: str | None = None,
    ):
        super().__init__()
        self.street = street
        self.community = community
        self.person = person

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        cls._area_manager = self

    def _every_row(self) -> AreaScopedQuerySet:
        return AreaScopedQuerySet(model=self.model, using=self._db, hints=self._hints)

    def get_queryset(self):
        if getattr(self, "instance", None) is not None:
            # A related manager (person.applications, roster.lines): the rows of an object the caller holds.
            return super().get_queryset()
        name = self.model.__name__
        raise ScopeRequired(
            f"{name} rows belong to an area (ARCHITECTURE rule 2): query them through "
            f"{name}.objects.for_actor(actor), or {name}.objects.unscoped(reason='…') in a system context"
        )

    def for_actor(self, actor: Actor) -> AreaScopedQuerySet:
        if getattr(self, "instance", None) is not None:
            return super().get_queryset().for_actor(actor)
        return self._every_row().for_actor(actor)

    def unscoped(self, *, reason: str) -> AreaScopedQuerySet:
        if getattr(self, "instance", None) is not None:
            return super().get_queryset().unscoped(reason=reason)
        return self._every_row().unscoped(reason=reason)

    # Creation is not a read (docs/architecture/scoping.md): allowed without a scope.
    def create(self, **kwargs):
        if getattr(self, "instance", None) is not None:
            return super().create(**kwargs)
        return self._every_row().create(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        return self._every_row().bulk_create(objs, *args, **kwargs)

    def none(self) -> AreaScopedQuerySet:
        """No rows reveal nothing: allowed without a scope."""
        return self._every_row().none()


def gate(
    queryset_or_model,
    pk,
    *,
    actor: Actor,
    object_type: str,
    message: str | None = None,
):
    """The object with primary key ``pk`` in ``actor``'s area, or ``Http404``: for an object in another
    area *and* for one that does not exist alike (no existence leak), the refused read audited as
    ``access.denied`` with ``object_type`` and the id (GB/T 22239-2019 8.1.4.2). Give a model, or a
    queryset of ``Model.objects.for_actor(actor)`` narrowed further (``select_related``, a state);
    anything else is a programming error (``ScopeRequired``)."""
    if isinstance(queryset_or_model, type) and issubclass(queryset_or_model, models.Model):
        queryset = queryset_or_model.objects.for_actor(actor)
    else:
        queryset = queryset_or_model
    scoped_by = getattr(queryset, "scoped_by", None)
    if scoped_by is None or scoped_by[0] != "actor" or scoped_by[1] != actor:
        raise ScopeRequired(f"gate() needs {queryset.model.__name__}.objects.for_actor(actor) for this actor")
    found = queryset.filter(pk=pk).first() if _valid_pk(queryset.model, pk) else None
    if found is not None:
        return found
    person_field = _lookups_person(queryset.model)
    person_id = None
    if person_field is not None and _valid_pk(queryset.model, pk):
        person_id = (
            queryset.model.objects.unscoped(reason="audit of a refused read: whose record was asked for")
            .filter(pk=pk)
            .values_list(person_field, flat=True)
            .first()
        )
    log_action(
        actor,
        "access.denied",
        object_type=object_type,
        object_id=str(pk)[:64],
        person_id=person_id,
    )
    raise Http404(message or f"no such {object_type}")


def _lookups_person(model) -> str | None:
    manager = model.__dict__.get("_area_manager") or model._meta.default_manager
    return getattr(manager, "person", None)


def _valid_pk(model, pk) -> bool:
    """A primary key the column can hold; anything else (a hostile id, one past 64 bits) finds nothing."""
    try:
        value = model._meta.pk.get_prep_value(pk)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, int) or abs(value) <= MAX_ROW_ID
