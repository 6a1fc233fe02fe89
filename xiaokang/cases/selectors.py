"""Application reads, scoped like the registry (ARCHITECTURE rule 2): an application belongs to the
street and community of its person when it was received; out of scope and missing both answer 404."""

from __future__ import annotations

from django.db.models import QuerySet

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.scoping import gate
from xiaokang.cases.models import Application


def applications_for(actor: Actor) -> QuerySet[Application]:
    return Application.objects.for_actor(actor)


def application_for(actor: Actor, application_id: int, *, client: str | None = None) -> Application:
    """The one gate for a single application: out of scope or missing → Http404, audited."""
    applications = applications_for(actor).select_related("person", "street", "community")
    return gate(applications, application_id, actor=actor, object_type="application", client=client)
