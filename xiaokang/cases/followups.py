"""What a stored evaluation run of the current rules means for the cases app (P3, S5, R7), registered
with ``policies.followups`` in CasesConfig.ready(): outreach tasks for the newly eligible who have not
applied, and enrolment changes (terminated for the deceased or moved out, suspended for review)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from xiaokang.accounts.actors import Actor
from xiaokang.cases.enrolments import EnrolmentChanges, enrolments_after_run
from xiaokang.cases.outreach import outreach_create
from xiaokang.policies.models import EvaluationRun


@dataclass(frozen=True)
class AfterEvaluation:
    outreach_tasks: int
    enrolments: EnrolmentChanges

    def lines(self) -> list[str]:
        changes = self.enrolments
        return [
            f"{self.outreach_tasks} new outreach tasks / 新增主动服务任务",
            f"enrolments: {changes.terminated} terminated (deceased or moved out), "
            f"{changes.suspended} suspended for review / "
            f"终止{changes.terminated}人，暂停待复核{changes.suspended}人",
        ]


@transaction.atomic
def after_evaluation(*, actor: Actor, run: EvaluationRun) -> AfterEvaluation:
    # Each run of the current rules gives the community workers their outreach tasks (主动救助, P3) and
    # stops payments to those who no longer qualify (S5, R7).
    tasks = outreach_create(actor=actor, run=run)
    return AfterEvaluation(outreach_tasks=tasks, enrolments=enrolments_after_run(actor=actor, run=run))
