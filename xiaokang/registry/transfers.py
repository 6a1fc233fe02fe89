"""Moving a person between streets (R6, S4; U11 — GB/T 22239-2019 8.1.4.2 access control).

A street may never write a person into, or out of, its own area on its own (registry.services refuses such
rows). A move is a transfer instead: requested by the sending street (from the person's page) or by the
receiving street (by ID number and name only: it sees nothing of the record until the move is approved),
approved or rejected by the district, and only then applied through the registry's one write path
(``services.person_save``, history source ``transfer``, audited). Every step is an audit event. A person
has at most one open transfer (a database constraint).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.accounts.scoping import gate
from xiaokang.audit.services import log_action
from xiaokang.core import crypto
from xiaokang.core.capabilities import can
from xiaokang.core.models import Area, AreaLevel
from xiaokang.core.ratelimit import attempt
from xiaokang.registry.models import Person, PersonTransfer, TransferState
from xiaokang.registry.selectors import person_for, persons_for
from xiaokang.registry.services import (
    OUT_OF_AREA_LIMIT_KEY,
    OutOfAreaLimitReached,
    RegistryError,
    out_of_area_limit,
    person_save,
    record_out_of_area_refusals,
)

# The receiving street's request names the person by ID number and name: a wrong pair, a person of no
# street and a person the district cannot move get the same words (U11: no existence leak).
# A street asks for a person registered in another area by ID number and name (accounts.scoping): the read
# is outside its scope by design; a miss and a match alike are audited and counted against its allowance.
LOCKED = "lock the transfer the caller read through transfer_for"
TRANSFER_IN = "transfer request: the person of this ID number in any area (audited, rate-limited)"
NO_MATCH = (
    "无法按此公民身份号码和姓名申请转移，请核对，或联系区残联 / "
    "no transfer can be requested for this ID number and name: check them, or ask the district office"
)


class TransferError(RegistryError):
    """A transfer request or decision that breaks a rule; "中文 / English". ``field`` names the input it is
    about (the API answers 422 in the shape of every validation error, naming it)."""

    def __init__(self, message: str, *, field: str = "body"):
        super().__init__(message, field=field)


class TransferNotAllowed(PermissionError):
    """The actor's role may not do this (a page answers 403, the API 403)."""


def _not_allowed(
    actor: Actor, action: str, message: str, transfer_id: int | None = None
) -> TransferNotAllowed:
    """The refusal, audited (every refused access is an event: 8.1.4.3)."""
    log_action(
        actor,
        "access.denied",
        object_type="transfer",
        object_id="" if transfer_id is None else str(transfer_id),
        details={"action": action},
    )
    return TransferNotAllowed(message)


class TransferConflict(TransferError):
    """Someone decided or changed the transfer since it was read (optimistic version)."""


def transfers_for(actor: Actor) -> QuerySet[PersonTransfer]:
    """Transfers the actor may see: all for the district, those into or out of their street for a street
    officer, none for anyone else."""
    return PersonTransfer.objects.for_actor(actor).select_related(
        "person", "from_street", "from_community", "to_street", "to_community"
    )


def transfers_listed(
    actor: Actor,
    *,
    limit: int,
    state: str | None = None,
    after: int | None = None,
    newest_request: bool = False,
) -> list[PersonTransfer]:
    """At most ``limit`` of the actor's transfers, newest id first (``newest_request``: latest request
    first); ``state`` narrows to one state, ``after`` pages to ids below it."""
    transfers = transfers_for(actor).order_by(*(("-requested_at", "-id") if newest_request else ("-id",)))
    if state:
        transfers = transfers.filter(state=state)
    if after:
        transfers = transfers.filter(id__lt=after)
    return list(transfers[:limit])


def open_transfer(person: Person) -> PersonTransfer | None:
    """The transfer of ``person`` (read through its gate) waiting for the district, if any."""
    return person.transfers.filter(state="requested").select_related("to_street", "to_community").first()


def transfer_for(actor: Actor, transfer_id: int) -> PersonTransfer:
    return gate(transfers_for(actor), transfer_id, actor=actor, object_type="transfer")


@dataclass(frozen=True)
class TransferView:
    """A transfer as ``actor`` may see it: the person's name and masked ID only when the actor may see
    the record (the sending street, the district, the receiving street once approved) or typed them (the
    receiving street's own request); the street it comes from only when the person is visible."""

    transfer: PersonTransfer
    person_visible: bool
    name: str
    id_masked: str


def transfer_view(
    actor: Actor, transfer: PersonTransfer, visible_ids: set[int] | None = None
) -> TransferView:
    if visible_ids is None:
        visible_ids = set(persons_for(actor).filter(pk=transfer.person_id).values_list("pk", flat=True))
    visible = transfer.person_id in visible_ids
    typed = transfer.side == "to" and scope_of(actor).area_id == transfer.to_street_id
    shown = visible or typed
    person = transfer.person
    return TransferView(
        transfer,
        visible,
        person.name if shown else "",
        person.id_number_masked if shown else "",
    )


def transfer_views(actor: Actor, transfers: list[PersonTransfer]) -> list[TransferView]:
    ids = {t.person_id for t in transfers}
    visible = set(persons_for(actor).filter(pk__in=ids).values_list("pk", flat=True))
    return [transfer_view(actor, t, visible) for t in transfers]


def _community(code_or_id) -> Area:
    area = (
        Area.objects.filter(level=AreaLevel.COMMUNITY)
        .filter(Q(code=str(code_or_id)) | (Q(pk=code_or_id) if str(code_or_id).isdigit() else Q(pk=None)))
        .select_related("parent")
        .first()
    )
    if area is None:
        raise TransferError("没有这个社区村 / no such community or village", field="to_community")
    return area


def transfer_request(
    *,
    actor: Actor,
    to_community: str | int,
    reason: str,
    person_id: int | None = None,
    id_number: str = "",
    name: str = "",
) -> PersonTransfer:
    """Ask the district to move a person to ``to_community`` (a community's code or id) in another street.
    The sending street names the person by ``person_id`` (a person in its area; 404 otherwise); the
    receiving street by ``id_number`` and ``name`` and may only ask for one of its own communities."""
    if not can(actor, "transfer.request"):
        raise _not_allowed(
            actor, "transfer.request", "您的角色不能申请转移 / your role cannot request transfers"
        )
    reason = (reason or "").strip()
    if not reason:
        raise TransferError("请填写转移原因 / give the reason for the transfer", field="reason")
    if len(reason) > 200:
        raise TransferError("原因超过200字 / the reason is longer than 200 characters", field="reason")
    target = _community(to_community)
    scope = scope_of(actor)
    if person_id is not None:
        person = person_for(actor, person_id)
        side = "from"
    else:
        if scope.kind == "street" and target.parent_id != scope.area_id:
            raise TransferError(
                "只能申请转入本街道的社区村 / you can request a transfer only into a community of your street"
            )
        number = (id_number or "").strip().upper()
        index = crypto.blind_index(number)
        person = (
            Person.objects.unscoped(reason=TRANSFER_IN)
            .filter(id_number_index=index)
            .select_related("street", "community")
            .first()
        )
        if person is not None and scope.kind == "street" and person.street_id == scope.area_id:
            raise TransferError("此人已在您的辖区登记 / this person is already registered in your area")
        if person is None or person.name != (name or "").strip():
            # Audited and counted as any out-of-area refusal: a guessing street runs out of attempts.
            try:
                record_out_of_area_refusals(actor, [(0, index, None)], source="transfer")
            except OutOfAreaLimitReached as limited:
                raise TransferError(str(limited)) from None
            raise TransferError(NO_MATCH, field="id_number")
        # A pair that matches counts too, and is refused in the same words once the allowance is used up:
        # otherwise a street out of attempts could go on trying ID numbers, and a success would say that
        # the person exists.
        key = OUT_OF_AREA_LIMIT_KEY.format(getattr(actor, "pk", None) or actor.username)
        if not attempt([key], {key: out_of_area_limit()}):
            raise TransferError(str(OutOfAreaLimitReached()))
        side = "from" if scope.kind == "all" else "to"
    if target.parent_id == person.street_id:
        raise TransferError(
            "转移是跨街道的迁移；同一街道内更换社区村请修改登记信息 / a transfer moves a person to another "
            "street; change the community within a street on the edit page"
        )
    try:
        with transaction.atomic():
            transfer = PersonTransfer.objects.create(
                person=person,
                from_street_id=person.street_id,
                from_community_id=person.community_id,
                to_street_id=target.parent_id,
                to_community=target,
                side=side,
                requested_by_id=actor.pk,
                requested_at=timezone.now(),
                reason=reason,
            )
            log_action(
                actor,
                "transfer.request",
                object_type="transfer",
                object_id=transfer.pk,
                person_id=person.pk,
                details={
                    "side": side,
                    "from_street": person.street.code,
                    "from_community": person.community.code,
                    "to_street": target.parent.code,
                    "to_community": target.code,
                    "reason": reason,
                },
            )
    except IntegrityError:
        raise TransferError(
            "此人已有一项待区残联决定的转移 / this person already has a transfer waiting for the district"
        ) from None
    return transfer


def transfer_decide(
    *,
    actor: Actor,
    transfer_id: int,
    approve: bool,
    expected_version: int,
    note: str = "",
) -> PersonTransfer:
    """The district approves or rejects a requested transfer, in one transaction. Approving moves the
    person through ``services.person_save`` (history source ``transfer``: old and new street and
    community; the person's own audit event), then records the decision."""
    if not can(actor, "transfer.decide"):
        raise _not_allowed(
            actor,
            "transfer.decide",
            "只有区残联可以决定转移 / only the district decides transfers",
            transfer_id,
        )
    note = (note or "").strip()
    if len(note) > 200:
        raise TransferError("备注超过200字 / the note is longer than 200 characters", field="note")
    with transaction.atomic():
        transfer = (
            PersonTransfer.objects.unscoped(reason=LOCKED)
            .select_for_update()
            .select_related("to_street", "to_community", "from_street", "from_community")
            .filter(pk=transfer_id)
            .first()
        )
        if transfer is None:
            from django.http import Http404

            raise Http404("no such transfer")
        if transfer.version != expected_version:
            raise TransferConflict(
                "该转移已被他人处理或修改，请刷新后再试 / the transfer was changed by someone else: reload it"
            )
        if transfer.state != TransferState.REQUESTED:
            raise TransferError("该转移已处理 / the transfer has been decided already")
        if approve:
            result = person_save(
                actor=actor,
                values={"street": transfer.to_street.code, "community": transfer.to_community.code},
                person_id=transfer.person_id,
                source="transfer",
            )
            if result.errors:
                raise TransferError("; ".join(e["message"] for e in result.errors))
        transfer.state = TransferState.APPROVED if approve else TransferState.REJECTED
        transfer.decided_by_id = actor.pk
        transfer.decided_at = timezone.now()
        transfer.note = note
        transfer.version += 1
        transfer.save(update_fields=["state", "decided_by", "decided_at", "note", "version"])
        log_action(
            actor,
            "transfer.approve" if approve else "transfer.reject",
            object_type="transfer",
            object_id=transfer.pk,
            person_id=transfer.person_id,
            details={
                "from_street": transfer.from_street.code,
                "from_community": transfer.from_community.code,
                "to_street": transfer.to_street.code,
                "to_community": transfer.to_community.code,
                "note": note,
            },
        )
    return transfer


def transfer_cancel(*, actor: Actor, transfer_id: int, expected_version: int) -> PersonTransfer:
    """The street that asked (or the district) withdraws a transfer that is still waiting."""
    # Outside the transaction, so that a refusal's audit event stays (who asked and where never change).
    transfer = transfer_for(actor, transfer_id)
    requesting_street = transfer.from_street_id if transfer.side == "from" else transfer.to_street_id
    scope = scope_of(actor)
    if scope.kind != "all" and not (scope.kind == "street" and scope.area_id == requesting_street):
        raise _not_allowed(
            actor,
            "transfer.cancel",
            "只有申请方可以撤回 / only the street that asked can withdraw it",
            transfer.pk,
        )
    with transaction.atomic():
        transfer = PersonTransfer.objects.unscoped(reason=LOCKED).select_for_update().get(pk=transfer.pk)
        if transfer.version != expected_version:
            raise TransferConflict(
                "该转移已被他人处理或修改，请刷新后再试 / the transfer was changed by someone else: reload it"
            )
        if transfer.state != TransferState.REQUESTED:
            raise TransferError("该转移已处理 / the transfer has been decided already")
        transfer.state = TransferState.CANCELLED
        transfer.decided_by_id = actor.pk
        transfer.decided_at = timezone.now()
        transfer.version += 1
        transfer.save(update_fields=["state", "decided_by", "decided_at", "version"])
        log_action(
            actor,
            "transfer.cancel",
            object_type="transfer",
            object_id=transfer.pk,
            person_id=transfer.person_id,
        )
    return transfer
