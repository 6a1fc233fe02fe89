"""What an evaluation run means for the enrolments (S5, R7): an enrolled person who has died or
moved out is terminated; one who no longer qualifies for another reason is suspended and a review task
is created for the street officer. Set-based: three statements, whatever the number of enrolments."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.scoping import gate
from xiaokang.audit.services import log_action
from xiaokang.cases.models import Enrolment, ReviewTask
from xiaokang.core.capabilities import can
from xiaokang.policies.models import EvaluationResult, EvaluationRun, RunPolicy
from xiaokang.registry.models import Person


@dataclass
class EnrolmentChanges:
    terminated: int
    suspended: int


def enrolments_after_run(*, actor: Actor, run: EvaluationRun) -> EnrolmentChanges:
    today = timezone.localdate()
    enrolment, result, run_policy, person, review = (
        Enrolment._meta.db_table,
        EvaluationResult._meta.db_table,
        RunPolicy._meta.db_table,
        Person._meta.db_table,
        ReviewTask._meta.db_table,
    )
    # The active enrolments whose person the run found not eligible for the enrolment's policy.
    not_eligible = f"""
        SELECT e.id FROM {enrolment} e
        JOIN {run_policy} rp ON rp.run_id = %s AND rp.policy_id = e.policy_id
        JOIN {result} r ON r.run_policy_id = rp.id AND r.person_id = e.person_id
        JOIN {person} p ON p.id = e.person_id
        WHERE e.status = 'active' AND NOT r.eligible AND p.status {{}} ('deceased', 'moved_out')"""  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {enrolment} SET status = 'terminated', status_changed_on = %s, "  # noqa: S608
            f"status_reason = 'deceased or moved out / 死亡或迁出' WHERE id IN ({not_eligible.format('IN')})",
            [today, run.pk],
        )
        terminated = cursor.rowcount
        # Suspended with a review task: first the tasks (they read the failed conditions), then the status.
        cursor.execute(
            f"""
            INSERT INTO {review} (enrolment_id, run_id, failed, street_id, community_id, status, created_at)
            SELECT e.id, %s, r.failed, p.street_id, p.community_id, 'open', %s
            FROM {enrolment} e
            JOIN {run_policy} rp ON rp.run_id = %s AND rp.policy_id = e.policy_id
            JOIN {result} r ON r.run_policy_id = rp.id AND r.person_id = e.person_id
            JOIN {person} p ON p.id = e.person_id
            WHERE e.id IN ({not_eligible.format("NOT IN")})""",  # noqa: S608
            [run.pk, timezone.now(), run.pk, run.pk],
        )
        cursor.execute(
            f"UPDATE {enrolment} SET status = 'suspended', status_changed_on = %s, "  # noqa: S608
            f"status_reason = 'no longer qualifies / 不再符合条件' "
            f"WHERE id IN ({not_eligible.format('NOT IN')})",
            [today, run.pk],
        )
        suspended = cursor.rowcount
        if terminated or suspended:
            log_action(
                actor,
                "enrolment.review",
                object_type="evaluation_run",
                object_id=run.pk,
                details={"terminated": terminated, "suspended": suspended},
            )
    return EnrolmentChanges(terminated, suspended)


DECISIONS = ("reinstate", "terminate")


def review_tasks_for(actor: Actor):
    return ReviewTask.objects.for_actor(actor).filter(status="open")


def review_task_for(actor: Actor, task_id: int) -> ReviewTask:
    """A review task in the actor's area, whatever its status (a decided one is a conflict, not a 404);
    out of scope or missing: 404, audited (``accounts.scoping.gate``)."""
    tasks = ReviewTask.objects.for_actor(actor).select_related("enrolment__person")
    return gate(tasks, task_id, actor=actor, object_type="review", message="no such task")


def review_resolve(*, actor: Actor, task: ReviewTask, decision: str, note: str = "") -> ReviewTask:
    """The street officer's decision on a suspended enrolment (S5, R7): ``reinstate`` (active again,
    from the next roster) or ``terminate``. ``task`` was read through ``review_tasks_for``."""
    from xiaokang.cases.services import WorkflowError

    if decision not in DECISIONS:
        raise WorkflowError(
            "invalid", "决定须为 reinstate 或 terminate / decision must be reinstate or terminate", "decision"
        )
    if decision == "terminate" and not (note or "").strip():
        raise WorkflowError("invalid", "终止须说明理由 / terminating needs a reason", "note")
    if not can(actor, "enrolment.review"):
        raise WorkflowError(
            "illegal", "由街道或区级工作人员复核 / street or district staff review this", "decision"
        )
    with transaction.atomic():
        locked = (
            ReviewTask.objects.unscoped(reason="lock the task the caller read through review_tasks_for")
            .select_for_update()
            .select_related("enrolment")
            .get(pk=task.pk)
        )
        if locked.status != "open":
            raise WorkflowError("stale", "此复核任务已处理 / this review has already been decided")
        enrolment = locked.enrolment
        enrolment.status = "active" if decision == "reinstate" else "terminated"
        enrolment.status_changed_on = timezone.localdate()
        enrolment.status_reason = (note or decision).strip()[:200]
        enrolment.save(update_fields=["status", "status_changed_on", "status_reason"])
        locked.status = "resolved"
        locked.save(update_fields=["status"])
        log_action(
            actor,
            f"enrolment.{decision}",
            object_type="enrolment",
            object_id=enrolment.pk,
            person_id=enrolment.person_id,
            details={"policy": enrolment.policy_id, "note": enrolment.status_reason},
        )
    return locked
