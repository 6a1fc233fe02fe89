"""Proactive outreach (主动救助, P3): after an evaluation run, every person who qualifies for
a cash policy but is neither enrolled nor applying gets a task for their community worker. A person
already given a task for that policy (open or answered) gets no second one on later runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.scoping import gate
from xiaokang.audit.services import log_action
from xiaokang.cases.models import OPEN_STATES, Application, Enrolment, OutreachTask
from xiaokang.cases.rosters import cash_policy_ids, write_csv_rows
from xiaokang.core import crypto
from xiaokang.core.capabilities import can
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.listing import Column, Listing
from xiaokang.policies.models import EvaluationResult, EvaluationRun, RunPolicy
from xiaokang.registry.models import Person

OUTREACH_COLUMNS = ("id_number", "policy", "street_code", "community")


class OutreachError(ServiceError):
    """Outreach tasks that cannot be created now (no evaluation run yet); "中文 / English"."""

    def __init__(self, message: str, field: str = ""):
        super().__init__("illegal", [FieldError(field, message)])


def outreach_create(*, actor: Actor, run: EvaluationRun | None = None) -> int:
    """Create the tasks of ``run`` (default: the latest stored run); returns how many were created."""
    run = run or EvaluationRun.objects.order_by("-id").first()
    if run is None:
        raise OutreachError(
            "还没有测算结果，请先运行 xiaokang evaluate / no evaluation run yet: run xiaokang evaluate"
        )
    policy_ids = cash_policy_ids()
    if not policy_ids:
        return 0
    tables = {
        "task": OutreachTask._meta.db_table,
        "result": EvaluationResult._meta.db_table,
        "run_policy": RunPolicy._meta.db_table,
        "person": Person._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
        "application": Application._meta.db_table,
    }
    placeholders = ", ".join(["%s"] * len(policy_ids))
    open_states = ", ".join(["%s"] * len(OPEN_STATES))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {tables["task"]} (person_id, policy_id, run_id, street_id, community_id, status,
                created_at, note)
            SELECT r.person_id, rp.policy_id, rp.run_id, p.street_id, p.community_id, 'open', %s, ''
            FROM {tables["result"]} r
            JOIN {tables["run_policy"]} rp ON rp.id = r.run_policy_id
            JOIN {tables["person"]} p ON p.id = r.person_id
            WHERE rp.run_id = %s AND rp.policy_id IN ({placeholders}) AND r.eligible
              AND NOT EXISTS (SELECT 1 FROM {tables["enrolment"]} e WHERE e.person_id = r.person_id
                  AND e.policy_id = rp.policy_id AND e.status IN ('active', 'suspended'))
              AND NOT EXISTS (SELECT 1 FROM {tables["application"]} a WHERE a.person_id = r.person_id
                  AND a.policy_id = rp.policy_id AND a.state IN ({open_states}))
              AND NOT EXISTS (SELECT 1 FROM {tables["task"]} t WHERE t.person_id = r.person_id
                  AND t.policy_id = rp.policy_id)""",  # noqa: S608 (table names from the models)
            [timezone.now(), run.pk, *policy_ids, *[str(state) for state in OPEN_STATES]],
        )
        created = cursor.rowcount
        log_action(
            actor,
            "outreach.create",
            object_type="evaluation_run",
            object_id=run.pk,
            details={"tasks": created},
        )
    return created


def open_tasks_for(actor: Actor):
    """The open tasks in the actor's area still worth a call (P3): a task whose person has since applied
    for its policy (an application still being handled, or one received since the task was made) or
    been enrolled in it (an active or suspended enrolment) is dropped, whatever the task's status says:
    nobody calls a person about a benefit they already asked for or receive. The task itself stays
    open until answered (the audit of what was done is the answer's)."""
    applied = Application.objects.unscoped(reason="outreach: has the task's person applied since").filter(
        Q(state__in=OPEN_STATES) | Q(received_on__gte=OuterRef("created_on")),
        person_id=OuterRef("person_id"),
        policy_id=OuterRef("policy_id"),
    )
    enrolled = Enrolment.objects.filter(
        person_id=OuterRef("person_id"), policy_id=OuterRef("policy_id"), status__in=("active", "suspended")
    )
    return (
        OutreachTask.objects.for_actor(actor)
        .filter(status="open")
        .annotate(created_on=TruncDate("created_at"))  # the day in the district's time zone
        .exclude(Exists(applied))
        .exclude(Exists(enrolled))
    )


@dataclass(frozen=True)
class OutreachFilters:
    """The outreach list's filters (P3, core.listing): street and community (area codes, narrowing the
    actor's area), policy. Empty values do not filter."""

    street: str = ""
    community: str = ""
    policy: str = ""

    def as_query(self) -> dict:
        values = {"street": self.street, "community": self.community, "policy": self.policy}
        return {key: value for key, value in values.items() if value}


OUTREACH = Listing(
    name="outreach",
    columns=(
        Column("created", gettext_lazy("Task created"), ("created_at",)),
        Column("community", gettext_lazy("Community or village"), ("community__code",)),
        Column("policy", gettext_lazy("Policy"), ("policy_id",)),
    ),
    default_sort="created",
)


def outreach_worklist(actor: Actor, filters: OutreachFilters, sort: str | None = None):
    """The outreach page's tasks: ``open_tasks_for`` narrowed by ``filters``, sorted by the declared
    column ``sort`` names (oldest task first by default)."""
    tasks = open_tasks_for(actor).select_related("person", "street", "community")
    if filters.street:
        tasks = tasks.filter(street__code=filters.street)
    if filters.community:
        tasks = tasks.filter(community__code=filters.community)
    if filters.policy:
        tasks = tasks.filter(policy_id=filters.policy)
    return OUTREACH.order(tasks, sort)


def outreach_task_for(actor: Actor, task_id: int) -> OutreachTask:
    """A task in the actor's area, whatever its status (an answered one is a conflict, not a 404); out
    of scope or missing: 404, audited (``accounts.scoping.gate``)."""
    return gate(OutreachTask, task_id, actor=actor, object_type="outreach", message="no such task")


def outreach_export(*, actor: Actor, path: str | os.PathLike) -> int:
    """The open tasks in the actor's area as CSV (OUTREACH_COLUMNS); full ID numbers only for the
    district administrator (and batch jobs acting for the district). Audited."""
    full = can(actor, "id_number.full")
    tasks = (
        open_tasks_for(actor)
        .select_related("person", "street", "community")
        .order_by("street__code", "community__code", "person_id", "policy_id")
    )
    rows = (
        (
            crypto.decrypt(task.person.id_number_encrypted) if full else task.person.id_number_masked,
            task.policy_id,
            task.street.code[:9],
            task.community.name,
        )
        for task in tasks.iterator(chunk_size=5000)
    )
    count = write_csv_rows(path, OUTREACH_COLUMNS, rows)
    log_action(
        actor,
        "outreach.export",
        object_type="outreach",
        object_id=Path(path).name[:64],
        details={"tasks": count, "full_id_numbers": full},
    )
    return count


OUTCOMES = ("applied", "declined", "unreachable")


def outreach_record_outcome(
    *, actor: Actor, task: OutreachTask, outcome: str, note: str = ""
) -> Application | None:
    """The community worker's answer to a task (P3): ``applied`` creates the application on the
    person's behalf (channel outreach, received today) or, if the person applied meanwhile, takes that
    one, and returns it; ``declined`` and ``unreachable`` close the task (None). ``task`` was read through
    ``open_tasks_for`` by the caller."""
    from xiaokang.cases.services import WorkflowError, application_submit

    if outcome not in OUTCOMES:
        raise WorkflowError(
            "invalid", f"结果须为 {', '.join(OUTCOMES)} / outcome must be one of them", "outcome"
        )
    with transaction.atomic():
        locked = (
            OutreachTask.objects.unscoped(reason="lock the task the caller read through open_tasks_for")
            .select_for_update()
            .get(pk=task.pk)
        )
        if locked.status != "open":
            raise WorkflowError("stale", "此任务已处理 / this task has already been answered")
        details = {"policy": locked.policy_id, "outcome": outcome}
        already = None
        if outcome == "applied":
            already = (
                Application.objects.unscoped(reason="one open application per person and policy")
                .filter(person_id=locked.person_id, policy_id=locked.policy_id, state__in=OPEN_STATES)
                .first()
            )
            if already is None:  # else the person applied meanwhile: the task is answered by that one
                already = application_submit(
                    actor=actor,
                    person=locked.person,
                    policy_id=locked.policy_id,
                    channel="outreach",
                    received_on=timezone.localdate(),
                    idempotency_key=f"outreach-{locked.pk}",
                ).application
            details["application"] = already.number
        locked.status = outcome
        locked.note = (note or "").strip()[:200]
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "note", "closed_at"])
        log_action(
            actor,
            "outreach.outcome",
            object_type="outreach",
            object_id=locked.pk,
            person_id=locked.person_id,
            details=details,
        )
    return already
