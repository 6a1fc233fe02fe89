"""Application reads, scoped like the registry (ARCHITECTURE rule 2): an application belongs to the
street and community of its person when it was received; out of scope and missing both answer 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from xiaokang.accounts.actors import Actor, in_scope
from xiaokang.audit.services import log_action
from xiaokang.cases.models import Application


def applications_for(actor: Actor) -> QuerySet[Application]:
    return in_scope(Application.objects.all(), actor)


def application_for(actor: Actor, application_id: int, *, client: str | None = None) -> Application:
    """The one gate for a single application: out of scope or missing → Http404, audited."""
    application = (
        applications_for(actor)
        .filter(pk=application_id)
        .select_related("person", "street", "community")
        .first()
    )
    if application is None:
        log_action(
            actor,
            "access.denied",
            object_type="application",
            object_id=str(application_id)[:64],
            client=client,
        )
        raise Http404("no such application")
    return application
