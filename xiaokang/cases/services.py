"""Every write to an application (S4): submission and transitions. Each is one transaction that
checks the current state, writes the timeline event and the audit event together, and refuses an
illegal step with a clear message. Concurrency is optimistic: a transition names the version it was
decided on and is applied only if the row still has it (one conditional UPDATE), so of two officers
acting at once one wins and the other gets a conflict; nothing is applied twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from xiaokang.accounts.actors import Actor, actor_label
from xiaokang.audit.services import log_action
from xiaokang.cases.evidence import missing_documents
from xiaokang.cases.models import (
    OPEN_STATES,
    Application,
    ApplicationEvent,
    ApplicationNumber,
    Channel,
    Enrolment,
    State,
)
from xiaokang.cases.workflow import ACTIONS, STEPS, Earlier, Step
from xiaokang.core.bilingual import Message, bilingual
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.workdays import add_working_days
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.selectors import decision_for_person

# Defaults where a policy file sets no parameter of these names (S4).
DEFAULT_ACCEPTANCE_WORKING_DAYS = 5
DEFAULT_DECISION_WORKING_DAYS = 20
DEFAULT_PUBLICITY_WORKING_DAYS = 0
DEFAULT_APPEAL_DAYS = 60
# An approved application is paid from the month after it was received (S5), unless a policy
# file sets ``enrolment_start_months`` (months after the month received).
DEFAULT_ENROLMENT_START_MONTHS = 1
# Temporary assistance (S3) is granted on the spot by a street officer and reviewed by the district
# (temporary.py), never applied for and moved through the workflow above.
TEMPORARY_POLICY_ID = "temporary_assistance"

# The longest reason for approving with a required document missing (the page's field takes as much).
OVERRIDE_REASON_MAX = 2000
# Reasons for reading applications outside any actor's area (accounts.scoping; ARCHITECTURE rule 2).
IDEMPOTENCY = "a retried submission: this label's Idempotency-Key, whatever the area"
VERSIONED_WRITE = "compare-and-set of an application the caller read through its gate"


class WorkflowError(ServiceError):
    """A refused submission or transition (a ServiceError). ``kind``: ``invalid`` (the input), ``illegal``
    (not allowed in this state or to this user's role), ``duty`` (this officer took an earlier step the
    workflow says must be someone else's: separation of duties, a 403), ``stale`` (the application changed
    since it was read)."""

    def __init__(self, kind: str, message: str | Message, field: str = ""):
        super().__init__(kind, [FieldError(field, message)])


def _parameter(policy_id: str, name: str, day: dt.date, default: int) -> int:
    policy = policies()[policy_id]
    parameter = policy.parameters.get(name)
    value = parameter.value_on(day) if parameter else None
    return int(value.value) if value is not None else default


def _next_number(year: int) -> str:
    ApplicationNumber.objects.get_or_create(year=year)
    ApplicationNumber.objects.filter(year=year).update(last=F("last") + 1)  # atomic in both databases
    last = ApplicationNumber.objects.get(year=year).last
    return f"HD-{year}-{last:06d}"


@dataclass
class Submission:
    application: Application
    created: bool  # False: the same Idempotency-Key was submitted before; this is that application


def submitted_before(label: str, key: str, person, policy_id: str) -> Application | None:
    """The application this actor already recorded with this Idempotency-Key (or form token), or None;
    the key used for another person or policy is an error."""
    if not key:
        return None
    existing = (
        Application.objects.unscoped(reason=IDEMPOTENCY)
        .filter(created_by_label=label, idempotency_key=key)
        .first()
    )
    if existing is not None and (existing.person_id, existing.policy_id) != (person.pk, policy_id):
        raise WorkflowError(
            "invalid",
            f"此幂等键已用于申请 {existing.number} / this Idempotency-Key was used for application "
            f"{existing.number} of another person or policy",
            "idempotency_key",
        )
    return existing


def new_application(
    *, actor: Actor, person, policy_id: str, channel: str, received_on: dt.date, key: str, **fields
) -> Application:
    """The application row (inside the caller's transaction): numbered in the year it was received, in
    the person's street and community now, created by ``actor`` with the one-time ``key``; ``fields``:
    its state and deadlines. One place for a submission (``application_submit``) and a temporary-
    assistance grant (temporary.py)."""
    return Application.objects.create(
        number=_next_number(received_on.year),
        person=person,
        policy_id=policy_id,
        channel=channel,
        received_on=received_on,
        street_id=person.street_id,
        community_id=person.community_id,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_label=actor_label(actor),
        idempotency_key=key,
        **fields,
    )


def application_submit(
    *,
    actor: Actor,
    person,
    policy_id: str,
    channel: str,
    received_on: dt.date,
    idempotency_key: str = "",
) -> Submission:
    """Record an application for ``person`` (already let through the registry's gate by the caller)."""
    label = actor_label(actor)
    key = (idempotency_key or "").strip()[:100]
    existing = submitted_before(label, key, person, policy_id)
    if existing is not None:
        return Submission(existing, False)
    if policy_id == TEMPORARY_POLICY_ID:
        raise WorkflowError(
            "invalid",
            "临时救助由街道工作人员当场批准，不在此申请 / temporary assistance is granted on the spot by a "
            "street officer (the temporary-assistance form), not applied for here",
            "policy",
        )
    if person.status != "normal":
        raise WorkflowError(
            "invalid",
            "此人人员状态不是“正常”（已迁出或死亡），不能申请 / "
            "the person has moved out or died: no application",
            "id_number",
        )
    policy = policies().get(policy_id)
    if policy is None or policy.entity != "person":
        raise WorkflowError("invalid", f"没有政策“{policy_id}” / no policy {policy_id!r}", "policy")
    if channel not in Channel.values:
        raise WorkflowError(
            "invalid", f"渠道须为 {', '.join(Channel.values)} / channel must be one of them", "channel"
        )
    today = timezone.localdate()
    if received_on > today:
        raise WorkflowError(
            "invalid", "收件日期不能晚于今天 / received_on cannot be in the future", "received_on"
        )
    acceptance = add_working_days(
        received_on,
        _parameter(policy_id, "acceptance_working_days", received_on, DEFAULT_ACCEPTANCE_WORKING_DAYS),
    )
    decision_days = _parameter(
        policy_id, "decision_working_days", received_on, DEFAULT_DECISION_WORKING_DAYS
    ) + _parameter(policy_id, "publicity_working_days", received_on, DEFAULT_PUBLICITY_WORKING_DAYS)
    decision = add_working_days(received_on, decision_days)
    try:
        with transaction.atomic():
            application = new_application(
                actor=actor,
                person=person,
                policy_id=policy_id,
                channel=channel,
                received_on=received_on,
                key=key,
                accept_by=acceptance.day,
                decide_by=decision.day,
                deadlines_provisional=acceptance.provisional or decision.provisional,
            )
            _event(application, actor, "submit", "", State.SUBMITTED, "", {"channel": channel})
            log_action(
                actor,
                "application.submit",
                object_type="application",
                object_id=application.number,
                person_id=person.pk,
                details={"policy": policy_id, "channel": channel, "received_on": received_on.isoformat()},
            )
    except IntegrityError:
        # Two requests with one key at once: the other one created it. Or an open application exists.
        if key and (
            existing := Application.objects.unscoped(reason=IDEMPOTENCY)
            .filter(created_by_label=label, idempotency_key=key)
            .first()
        ):
            return Submission(existing, False)
        open_one = (
            Application.objects.unscoped(reason="one open application per person and policy")
            .filter(person=person, policy_id=policy_id, state__in=OPEN_STATES)
            .first()
        )
        if open_one is not None:
            raise WorkflowError(
                "invalid",
                f"此人已有办理中的{policy.zh}申请 {open_one.number} / "
                f"an open application for this policy exists: {open_one.number}",
                "policy",
            ) from None
        raise
    return Submission(application, True)


# ---------------------------------------------------------------------------------------------------
# Separation of duties (U11, G2; GB/T 22239-2019 8.1.4.2): the rule is data (workflow.Step.other_than),
# checked here from the application's timeline, for one application or for a page of them.


def steps_taken_by(actor: Actor, application_ids) -> dict[int, set[tuple[str, str]]]:
    """For each of ``application_ids``, the (from_state, action) of every step ``actor`` took on it
    (one query). A system actor or the applicant (no user) takes no officer's step: empty."""
    pk = getattr(actor, "pk", None)
    if pk is None:
        return {}
    taken: dict[int, set[tuple[str, str]]] = {}
    rows = ApplicationEvent.objects.filter(application_id__in=list(application_ids), actor_id=pk)
    for application_id, from_state, action in rows.values_list("application_id", "from_state", "action"):
        taken.setdefault(application_id, set()).add((from_state, action))
    return taken


def conflicting_step(
    other_than: tuple[Earlier, ...], taken: set[tuple[str, str]], policy_id: str, waived_by: str = ""
) -> Earlier | None:
    """The first of ``other_than`` that is among the steps ``taken`` by this officer, or None; None too
    when the application's policy file sets ``waived_by`` (e.g. ``enrolment_by_approver: true``)."""
    if waived_by and getattr(policies().get(policy_id), waived_by, False):
        return None
    for earlier in other_than:
        if (earlier.from_state, earlier.action) in taken:
            return earlier
    return None


def step_conflict(actor: Actor, application: Application, step: Step) -> Earlier | None:
    """The earlier step of ``application`` that ``actor`` took and that bars them from ``step``."""
    if not step.other_than:
        return None
    taken = steps_taken_by(actor, [application.pk]).get(application.pk, set())
    return conflicting_step(step.other_than, taken, application.policy_id, step.waived_by)


def duty_message(earlier: Earlier, verb: tuple[str, str]) -> str:
    """The refusal, naming the rule: "you accepted this application; another officer must forward it"."""
    zh, en = verb
    return bilingual(f"{earlier.zh}，须由其他工作人员{zh}", f"{earlier.en}; another officer must {en}")


def check_version(application: Application, version: int) -> None:
    """Optimistic locking for every action on an application (the workflow's steps, the district's
    review of a grant): refused as ``stale`` unless the officer acted on the version they read."""
    if version != application.version:
        raise WorkflowError(
            "stale",
            f"申请已被他人处理（当前版本 {application.version}），请刷新后重试 / the application changed "
            f"since you read it (version {application.version} now): reload it and try again",
        )


def refuse_for_duty(
    actor: Actor,
    application: Application,
    earlier: Earlier,
    verb: tuple[str, str],
    attempted: str,
) -> WorkflowError:
    """Audit the refused attempt (``access.denied``, with the rule and the earlier step; committed even
    though the caller raises, outside a transaction) and return the error to raise."""
    log_action(
        actor,
        "access.denied",
        object_type="application",
        object_id=application.number,
        person_id=application.person_id,
        details={
            "rule": "separation_of_duties",
            "attempted": attempted,
            "state": application.state,
            "earlier": f"{earlier.from_state or '-'}:{earlier.action}",
        },
    )
    return WorkflowError("duty", duty_message(earlier, verb), "action")


def _event(application, actor, action, from_state, to_state, reason, details) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        actor=getattr(actor, "pk", None) and actor,
        actor_label=actor_label(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=details,
    )


def appeal_days(policy_id: str) -> int:
    """How long after a rejection an appeal may be made (default 60 days; policy parameter appeal_days)."""
    return _parameter(policy_id, "appeal_days", timezone.localdate(), DEFAULT_APPEAL_DAYS)


def month_start(day: dt.date, months_after: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months_after
    return dt.date(index // 12, index % 12 + 1, 1)


def _enrol(application: Application, actor: Actor) -> Enrolment:
    months = _parameter(
        application.policy_id,
        "enrolment_start_months",
        application.received_on,
        DEFAULT_ENROLMENT_START_MONTHS,
    )
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                person_id=application.person_id,
                policy_id=application.policy_id,
                application=application,
                start_month=month_start(application.received_on, months),
            )
    except IntegrityError:
        raise WorkflowError(
            "illegal",
            "此人已享受该项待遇 / the person is already enrolled in this policy",
            "action",
        ) from None


def _failed_conditions(application: Application, day: dt.date) -> list[dict]:
    """The policy engine's failed conditions for the person today, with their citations (a rejection
    lists them, S4)."""
    decision = decision_for_person(application.person, application.policy_id, day)
    if decision is None:
        return []
    return [
        {"id": r.condition.id, "label": r.condition.zh, "citation": r.condition.citation}
        for r in decision.conditions
        if not r.passed
    ]


def application_transition(
    *,
    actor: Actor,
    application: Application,
    action: str,
    version: int,
    reason: str = "",
    override: bool = False,
    override_reason: str = "",
) -> Application:
    """Apply ``action`` to ``application`` (already let through the gate) if it still has ``version``.

    An approval with a document the policy requires missing (``evidence.missing_documents``) is refused
    unless the officer overrides it explicitly (``override``) with a reason (``override_reason``); the
    override, the documents missing and the reason are recorded in the timeline event and the audit
    event (S4, G2)."""
    reason = (reason or "").strip()
    override_reason = (override_reason or "").strip()
    check_version(application, version)
    if action not in ACTIONS:
        raise WorkflowError("illegal", f"未知操作“{action}” / unknown action {action!r}", "action")
    if application.policy_id == TEMPORARY_POLICY_ID:
        raise WorkflowError(
            "illegal",
            "临时救助由区级复核确认或不予确认 / a temporary-assistance grant is confirmed or rejected by the "
            "district's review, not by this workflow",
            "action",
        )
    step = STEPS.get((application.state, action))
    state_label = State(application.state).label
    if step is None:
        raise WorkflowError(
            "illegal",
            f"当前状态（{state_label}）不能执行“{action}” / "
            f"{action} is not possible in state {application.state}",
            "action",
        )
    if getattr(actor, "role", None) not in step.roles:
        raise WorkflowError(
            "illegal",
            f"您的角色不能在此环节执行“{action}” / your role may not {action} at this stage",
            "action",
        )
    if (earlier := step_conflict(actor, application, step)) is not None:
        raise refuse_for_duty(actor, application, earlier, step.verb, action)
    if step.reason_required and not reason:
        raise WorkflowError("invalid", "须填写理由 / a reason is required", "reason")
    overridden = _documents_override(application, step, override, override_reason)
    today = timezone.localdate()
    if action == "appeal":
        limit = appeal_days(application.policy_id)
        if application.rejected_on and (today - application.rejected_on).days > limit:
            raise WorkflowError(
                "illegal", f"已超过{limit}天复议期限 / the {limit}-day appeal period has passed", "action"
            )
    details: dict = {"override": overridden} if overridden else {}
    changes: dict = {"state": step.to, "version": application.version + 1}
    if action == "appeal":
        # An appeal is decided within the policy's decision period again, counted from the appeal.
        days = _parameter(
            application.policy_id, "decision_working_days", today, DEFAULT_DECISION_WORKING_DAYS
        )
        deadline = add_working_days(today, days)
        changes.update(decide_by=deadline.day, deadlines_provisional=deadline.provisional)
        details["decide_by"] = deadline.day.isoformat()
    if step.to == State.REJECTED:
        details["failed_conditions"] = _failed_conditions(application, today)
        changes.update(rejected_by=actor if getattr(actor, "pk", None) else None, rejected_on=today)
    with transaction.atomic():
        updated = (
            Application.objects.unscoped(reason=VERSIONED_WRITE)
            .filter(pk=application.pk, version=application.version)
            .update(**changes, updated_at=timezone.now())
        )
        if updated != 1:
            raise WorkflowError(
                "stale",
                "申请已被他人处理，请刷新后重试 / "
                "the application changed since you read it: reload it and try again",
            )
        if step.to == State.ENROLLED:
            details["start_month"] = _enrol(application, actor).start_month.isoformat()
        _event(application, actor, action, application.state, step.to, reason, details)
        log_action(
            actor,
            f"application.{action}",
            object_type="application",
            object_id=application.number,
            person_id=application.person_id,
            details={
                "from": application.state,
                "to": step.to,
                "reason": reason[:200],
                **({"override": {**overridden, "reason": override_reason[:200]}} if overridden else {}),
            },
        )
    application.refresh_from_db()
    return application


def _documents_override(application: Application, step: Step, override: bool, reason: str) -> dict | None:
    """For an approval (S4, G2): None when every document the policy requires is attached; else the
    override to record (the documents missing and the reason) if the officer gave one explicitly, with a
    reason; else the refusal naming the documents missing."""
    if step.to != State.APPROVED:
        return None
    missing = missing_documents(application)
    if not missing:
        return None
    zh = "、".join(document.zh for document in missing)
    en = "; ".join(document.en for document in missing)
    if not override:
        raise WorkflowError(
            "invalid",
            bilingual(
                f"缺少政策要求的材料：{zh}。请先附上材料，或选择“缺件批准”并说明理由",
                f"documents the policy requires are missing: {en}. Attach them first, or approve "
                "without them by ticking the override and giving the reason",
            ),
            "documents",
        )
    if not reason:
        raise WorkflowError(
            "invalid",
            "缺件批准须说明理由 / approving without a required document needs a reason",
            "override_reason",
        )
    if len(reason) > OVERRIDE_REASON_MAX:
        raise WorkflowError(
            "invalid",
            f"理由不能超过 {OVERRIDE_REASON_MAX} 字 / "
            f"the reason is longer than {OVERRIDE_REASON_MAX} characters",
            "override_reason",
        )
    return {"missing": [document.zh for document in missing], "reason": reason}
