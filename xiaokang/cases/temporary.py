"""Temporary assistance (临时救助, S3): the fast path of 国发〔2014〕47号's emergency procedure.

A street officer (or district staff) approves a one-off amount up to the street approval limit on the
spot; the grant is an Application of the policy ``temporary_assistance`` created already approved, with
a ``TemporaryAssistance`` record (amount, the emergency, who granted it and when, the two deadlines).
The documents are attached afterwards (documents.py) within ``documents_working_days``; a district
officer other than the one who granted it reviews the grant within ``district_review_working_days``:
confirm (documents attached) or reject with a reason. Recovering the money of a rejected grant is done
outside the system. The limit and both periods are dated, cited parameters of
``xiaokang/policies/rules/temporary_assistance.yaml``; who may receive it is that file's rule, decided
by the interpreter.

Each write is one transaction with its timeline event and audit event; the review is decided on the
version the officer read (one conditional UPDATE), like ``services.application_transition``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from xiaokang.accounts.actors import Actor, actor_label
from xiaokang.audit.services import log_action
from xiaokang.cases.models import (
    Application,
    ApplicationDocument,
    Channel,
    State,
    TemporaryAssistance,
    TemporaryReview,
)
from xiaokang.cases.services import (
    TEMPORARY_POLICY_ID,
    VERSIONED_WRITE,
    Submission,
    WorkflowError,
    _event,
    check_version,
    conflicting_step,
    new_application,
    refuse_for_duty,
    steps_taken_by,
    submitted_before,
)
from xiaokang.cases.workflow import TEMPORARY_REVIEW_OTHER_THAN, TEMPORARY_REVIEW_VERB
from xiaokang.core.capabilities import can
from xiaokang.core.money import MoneyError, yuan_text, yuan_to_fen
from xiaokang.core.workdays import Deadline, add_working_days
from xiaokang.policies.engine.loader import policies
from xiaokang.policies.selectors import decision_for_person
from xiaokang.registry.models import Person

DECISIONS = ("confirm", "reject")
REASON_MAX = 2000


def _parameter(name: str, day: dt.date):
    """The temporary-assistance parameter ``name`` in force on ``day`` (its ParameterValue), or None."""
    parameter = policies()[TEMPORARY_POLICY_ID].parameters[name]
    return parameter.value_on(day)


def limit_on(day: dt.date) -> tuple[int, bool] | None:
    """(street approval limit in fen, verified?) in force on ``day``; None before its first value."""
    value = _parameter("street_approval_limit", day)
    if value is None:
        return None
    return yuan_to_fen(Decimal(str(value.value))), value.verified


def deadlines(granted_on: dt.date) -> tuple[Deadline, Deadline]:
    """(documents due by, district review by): working days after the day of the grant."""
    documents = _parameter("documents_working_days", granted_on)
    review = _parameter("district_review_working_days", granted_on)
    if documents is None or review is None:
        raise WorkflowError(
            "invalid",
            f"{granted_on.isoformat()} 没有临时救助期限参数 / "
            f"no temporary-assistance deadlines are in force on {granted_on.isoformat()}",
            "received_on",
        )
    return add_working_days(granted_on, int(documents.value)), add_working_days(granted_on, int(review.value))


def amount_in_fen(amount) -> int:
    """A yuan amount (Decimal, int or text) with at most two decimals, in fen; WorkflowError otherwise."""
    try:
        fen = yuan_to_fen(amount if isinstance(amount, (Decimal, int, str)) else str(amount))
    except MoneyError as error:
        raise WorkflowError("invalid", error.message, "amount") from None
    if fen <= 0:
        raise WorkflowError("invalid", "金额须大于0 / the amount must be more than 0", "amount")
    return fen


def temporary_assistance_grant(
    *,
    actor: Actor,
    person,
    amount,
    reason: str,
    received_on: dt.date,
    idempotency_key: str = "",
) -> Submission:
    """Grant ``amount`` yuan to ``person`` on the spot: the application is created approved, with its
    number, the grant's timeline event and the audit event, in one transaction. ``received_on`` is the
    day the officer approved it (the day of the request; not in the future): the limit in force that
    day applies and both deadlines count from it. The same ``idempotency_key`` (a form's one-time
    token) gives the grant recorded the first time."""
    if not can(actor, "temporary.grant"):
        raise WorkflowError(
            "illegal",
            "临时救助由街道或区级工作人员批准 / temporary assistance is granted by street or district staff",
            "person",
        )
    if not Person.objects.for_actor(actor).filter(pk=person.pk).exists():
        raise WorkflowError("illegal", "此人不在您的辖区 / the person is not in your area", "person")
    label = actor_label(actor)
    key = (idempotency_key or "").strip()[:100]
    existing = submitted_before(label, key, person, TEMPORARY_POLICY_ID)
    if existing is not None:
        return Submission(existing, False)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(
            "invalid", "须说明突发事件或困难情况 / describe the emergency: it is required", "reason"
        )
    if len(reason) > REASON_MAX:
        raise WorkflowError(
            "invalid", f"说明不超过{REASON_MAX}字 / at most {REASON_MAX} characters", "reason"
        )
    if received_on > timezone.localdate():
        raise WorkflowError(
            "invalid", "批准日期不能晚于今天 / the day of the grant cannot be in the future", "received_on"
        )
    decision = decision_for_person(person, TEMPORARY_POLICY_ID, received_on)
    limit = limit_on(received_on)
    if decision is None or limit is None:
        raise WorkflowError(
            "invalid",
            f"{received_on.isoformat()} 没有临时救助规则 / no temporary-assistance rules are in force on "
            f"{received_on.isoformat()}",
            "received_on",
        )
    if not decision.eligible:
        failed = [result.condition for result in decision.conditions if not result.passed]
        raise WorkflowError(
            "invalid",
            "不符合临时救助条件：{} / not eligible for temporary assistance: {}".format(
                "；".join(condition.zh for condition in failed),
                "; ".join(condition.en for condition in failed),
            ),
            "person",
        )
    fen = amount_in_fen(amount)
    limit_fen, _verified = limit
    if fen > limit_fen:
        raise WorkflowError(
            "invalid",
            f"金额超过街道审批限额 {yuan_text(limit_fen)} 元 / "
            f"the amount is over the street approval limit of {yuan_text(limit_fen)} yuan",
            "amount",
        )
    documents, review = deadlines(received_on)
    details = {
        "amount": yuan_text(fen, grouping=False),
        "limit": yuan_text(limit_fen, grouping=False),
        "documents_due_by": documents.day.isoformat(),
        "district_review_by": review.day.isoformat(),
    }
    user = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            application = new_application(
                actor=actor,
                person=person,
                policy_id=TEMPORARY_POLICY_ID,
                channel=Channel.COUNTER,
                received_on=received_on,
                key=key,
                state=State.APPROVED,
                # Accepted on the spot; the district's review is the decision still running.
                accept_by=received_on,
                decide_by=review.day,
                deadlines_provisional=documents.provisional or review.provisional,
            )
            TemporaryAssistance.objects.create(
                application=application,
                amount_fen=fen,
                reason=reason,
                granted_on=received_on,
                granted_by=user,
                granted_by_label=label,
                limit_fen=limit_fen,
                documents_due_by=documents.day,
                district_review_by=review.day,
                deadlines_provisional=documents.provisional or review.provisional,
            )
            _event(application, actor, "grant", "", State.APPROVED, reason, details)
            log_action(
                actor,
                "temporary_assistance.grant",
                object_type="application",
                object_id=application.number,
                person_id=person.pk,
                details={**details, "received_on": received_on.isoformat()},
            )
    except IntegrityError:
        # The same token posted twice at once (the other request created it), or a grant of this person
        # still awaits the district's review (one open application per person and policy).
        if key and (existing := submitted_before(label, key, person, TEMPORARY_POLICY_ID)):
            return Submission(existing, False)
        pending = (
            Application.objects.unscoped(reason="one open application per person and policy")
            .filter(person=person, policy_id=TEMPORARY_POLICY_ID, state=State.APPROVED)
            .first()
        )
        if pending is not None:
            raise WorkflowError(
                "invalid",
                f"此人的临时救助 {pending.number} 尚待区级复核 / "
                f"temporary assistance {pending.number} of this person still awaits the district's review",
                "person",
            ) from None
        raise
    return Submission(application, True)


def review_conflict(actor: Actor, application: Application):
    """The earlier step (the grant) that bars ``actor`` from reviewing this grant, or None: the
    workflow's separation of duties (workflow.TEMPORARY_REVIEW_OTHER_THAN), from the timeline."""
    taken = steps_taken_by(actor, [application.pk]).get(application.pk, set())
    return conflicting_step(TEMPORARY_REVIEW_OTHER_THAN, taken, application.policy_id)


def temporary_assistance_review(
    *,
    actor: Actor,
    application: Application,
    version: int,
    decision: str,
    reason: str = "",
) -> Application:
    """The district's review of a grant (``application`` already let through the gate), decided on
    ``version``: ``confirm`` (the documents are attached) or ``reject`` (a reason is required). Whoever
    granted it does not review it (maker-checker, G2)."""
    reason = (reason or "").strip()
    check_version(application, version)
    if decision not in DECISIONS:
        raise WorkflowError(
            "illegal", f"复核结论须为 confirm 或 reject / the decision is confirm or reject, not {decision!r}"
        )
    grant = TemporaryAssistance.objects.filter(application=application).first()
    if application.policy_id != TEMPORARY_POLICY_ID or grant is None:
        raise WorkflowError(
            "illegal", "这不是临时救助 / this is not a temporary-assistance grant", "decision"
        )
    if not can(actor, "temporary.review"):
        raise WorkflowError(
            "illegal", "临时救助由区级工作人员复核 / district staff review temporary assistance", "decision"
        )
    if application.state != State.APPROVED or grant.review != TemporaryReview.PENDING:
        raise WorkflowError(
            "illegal",
            "此临时救助已复核 / this temporary assistance has already been reviewed",
            "decision",
        )
    if (earlier := review_conflict(actor, application)) is not None:
        raise refuse_for_duty(actor, application, earlier, TEMPORARY_REVIEW_VERB, f"review.{decision}")
    if decision == "reject" and not reason:
        raise WorkflowError("invalid", "不予确认须说明理由 / a rejection needs a reason", "reason")
    if decision == "confirm" and not application.documents.exists():
        raise WorkflowError(
            "invalid",
            "确认前须补齐材料（至少一份） / attach the documents before confirming (at least one)",
            "documents",
        )
    now = timezone.now()
    today = timezone.localdate()
    user = actor if getattr(actor, "pk", None) else None
    to_state = State.CONFIRMED if decision == "confirm" else State.REJECTED
    changes: dict = {"state": to_state, "version": application.version + 1, "updated_at": now}
    if decision == "reject":
        changes.update(rejected_by=user, rejected_on=today)
    with transaction.atomic():
        updated = (
            Application.objects.unscoped(reason=VERSIONED_WRITE)
            .filter(pk=application.pk, version=application.version, state=State.APPROVED)
            .update(**changes)
        )
        if updated != 1:
            raise WorkflowError(
                "stale",
                "申请已被他人处理，请刷新后重试 / "
                "the application changed since you read it: reload it and try again",
            )
        TemporaryAssistance.objects.filter(pk=grant.pk, review=TemporaryReview.PENDING).update(
            review=TemporaryReview.CONFIRMED if decision == "confirm" else TemporaryReview.REJECTED,
            reviewed_by=user,
            reviewed_by_label=actor_label(actor),
            reviewed_at=now,
            review_reason=reason,
        )
        details = {
            "amount": yuan_text(grant.amount_fen, grouping=False),
            "on_time": today <= grant.district_review_by,
        }
        _event(application, actor, decision, application.state, to_state, reason, details)
        log_action(
            actor,
            f"temporary_assistance.{decision}",
            object_type="application",
            object_id=application.number,
            person_id=application.person_id,
            details={**details, "reason": reason[:200]},
        )
    application.refresh_from_db()
    return application


@dataclass(frozen=True)
class GrantStatus:
    """Where a grant stands on ``today``, for the pages: the documents still due (none attached while
    the review is pending) and overdue, the district's review overdue."""

    pending: bool
    documents: int
    documents_due: bool
    documents_overdue: bool
    review_overdue: bool


def grant_status(grant: TemporaryAssistance, documents: int, today: dt.date) -> GrantStatus:
    pending = grant.review == TemporaryReview.PENDING
    due = pending and documents == 0
    return GrantStatus(
        pending=pending,
        documents=documents,
        documents_due=due,
        documents_overdue=due and grant.documents_due_by < today,
        review_overdue=pending and grant.district_review_by < today,
    )


def pending_grants_for(actor: Actor):
    """The grants awaiting the district's review in the actor's area (the applications' scope), each
    with ``has_documents``: the nearest review deadline first."""
    return (
        TemporaryAssistance.objects.filter(
            review=TemporaryReview.PENDING,
            application__in=Application.objects.for_actor(actor).values("pk"),
        )
        .annotate(has_documents=Exists(ApplicationDocument.objects.filter(application_id=OuterRef("pk"))))
        .order_by("district_review_by", "granted_on", "pk")
    )


def pending_counts(actor: Actor, today: dt.date) -> dict[str, int]:
    """How many grants await the district's review in the actor's area, how many of those reviews are
    overdue, and how many grants still have no documents after their deadline."""
    return pending_grants_for(actor).aggregate(
        waiting=Count("pk"),
        review_overdue=Count("pk", filter=Q(district_review_by__lt=today)),
        documents_overdue=Count("pk", filter=Q(has_documents=False, documents_due_by__lt=today)),
    )
