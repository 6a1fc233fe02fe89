"""Every write of sign-language interpretation booking (U11; docs/interpreting.md).

Keyword-only, with an ``actor`` (a staff user, or a ``SystemActor`` for the public pages and the seed),
in one transaction, audited (``interpreting.*`` events, object type ``interpreter``, ``slot`` or
``booking`` with the booking's reference; never the phone, the e-mail or the access token).

Refusals raise ``InterpretingError`` with a bilingual message ("中文 / English", shown in the page's
language by ``core.language.in_page_language``) and ``kind``: ``invalid`` (the input), ``taken`` (the
slot is booked, gone or past), ``stale`` (the booking changed since it was read: nothing applied),
``illegal`` (not possible in the booking's state), ``limit`` (too many open bookings for one number).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from xiaokang.accounts.actors import Actor, actor_label
from xiaokang.audit.services import log_action
from xiaokang.core import safe_text
from xiaokang.core.bilingual import Message
from xiaokang.core.crypto import blind_index, encrypt, mask_phone
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.ratelimit import Limit, attempt
from xiaokang.interpreting.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingNumber,
    ContactBy,
    Interpreter,
    Purpose,
    RequesterKind,
    Slot,
    Status,
)
from xiaokang.interpreting.selectors import MAX_DAYS_AHEAD, bookable_slots

__all__ = ["MAX_DAYS_AHEAD", "bookable_slots"]

# Open (requested or confirmed, not yet started) bookings one phone number may hold: a person books what
# they need, but nobody can take every slot of the week from the public page.
MAX_OPEN_BOOKINGS_PER_PHONE = 3
# Bookings sent from one client address (core.ratelimit, counted in the database): generous for an office
# that books for several people, a brake on a script.
CLIENT_LIMIT = Limit(attempts=20, window=dt.timedelta(hours=1))
MIN_SLOT_MINUTES = 15
MAX_SLOT_MINUTES = 8 * 60
PHONE_PATTERN = re.compile(r"^\+?\d{5,20}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InterpretingError(ServiceError):
    """A refused booking step (a ServiceError). ``field`` names the input at fault; ``errors`` holds every
    input error when a form had several (the booking form shows them all at once; ``by_field()``), the
    first also as ``field``/``message``."""

    def __init__(
        self, kind: str, message: str | Message, field: str = "", errors: dict[str, str] | None = None
    ):
        found = errors or {field: message}
        super().__init__(kind, [FieldError(name, text) for name, text in found.items()], message=message)


TAKEN = (
    "这个时间刚刚被别人预约了，请选择其他时间 / "
    "This time has just been booked by someone else: please choose another time."
)
STALE = (
    "此预约在您打开页面后已被修改，未作任何更改，请查看最新内容后重试 / "
    "This booking was changed after you opened the page: nothing was changed. "
    "Check it as it is now and try again."
)


def _now() -> dt.datetime:
    return timezone.now()


# ---------------------------------------------------------------------------------------------------
# Interpreters and slots (staff)


def interpreter_save(
    *,
    actor: Actor,
    interpreter: Interpreter | None = None,
    name: str,
    languages: str,
    notes: str = "",
    active: bool = True,
    version: int | None = None,
) -> Interpreter:
    """Create an interpreter (``interpreter`` None) or change one (with the version that was read)."""
    name, languages = name.strip(), languages.strip()
    if not name:
        raise InterpretingError("invalid", "请填写姓名 / Enter the name.", "name")
    for field, value in (("name", name), ("languages", languages)):
        problem = safe_text.text_problem(value)  # U11, as for every name (core.safe_text)
        if problem:
            raise InterpretingError("invalid", Message(*problem), field)
    if not languages:
        raise InterpretingError(
            "invalid", "请填写所用手语 / Enter the sign languages (e.g. 中国手语).", "languages"
        )
    with transaction.atomic():
        if interpreter is None:
            interpreter = Interpreter.objects.create(
                name=name, languages=languages, notes=notes.strip(), active=active
            )
            action = "interpreting.interpreter.create"
        else:
            updated = Interpreter.objects.filter(pk=interpreter.pk, version=version).update(
                name=name,
                languages=languages,
                notes=notes.strip(),
                active=active,
                version=F("version") + 1,
                updated_at=_now(),
            )
            if not updated:
                raise InterpretingError(
                    "stale",
                    "此译员在您打开页面后已被修改，未作任何更改 / "
                    "This interpreter was changed after you opened the page: nothing was changed.",
                )
            interpreter.refresh_from_db()
            action = "interpreting.interpreter.update"
        log_action(
            actor,
            action,
            object_type="interpreter",
            object_id=interpreter.pk,
            details={"name": name, "languages": languages, "active": active},
        )
    return interpreter


def parse_times(text: str) -> list[tuple[dt.time, dt.time]]:
    """``"09:00-10:00, 14:00–15:30"`` (one per line or separated by commas; a hyphen, en dash or ~)
    → [(start, end), …]; raises ``InterpretingError`` naming the part it cannot read."""
    parts = [p.strip() for p in re.split(r"[,，;；\n]+", text) if p.strip()]
    if not parts:
        raise InterpretingError(
            "invalid",
            "请填写至少一个时间段，如 09:00-10:00 / Enter at least one time, e.g. 09:00-10:00.",
            "times",
        )
    times = []
    for part in parts:
        match = re.fullmatch(r"(\d{1,2})[:：](\d{2})\s*[-–—~～至到]\s*(\d{1,2})[:：](\d{2})", part)
        try:
            if not match:
                raise ValueError
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            times.append((dt.time(h1, m1), dt.time(h2, m2)))
        except ValueError:
            raise InterpretingError(
                "invalid",
                f"无法识别时间段“{part}”，应写成 09:00-10:00 / "
                f"“{part}” is not a time span: write it as 09:00-10:00.",
                "times",
            ) from None
    return times


def slots_add(
    *,
    actor: Actor,
    interpreter: Interpreter,
    day: dt.date,
    times: list[tuple[dt.time, dt.time]],
) -> list[Slot]:
    """Add the interpreter's free times on ``day`` (local time, Asia/Shanghai). All or nothing: refused
    when one is in the past, too short or too long, or overlaps another of the same interpreter's slots
    (withdrawn ones excepted) or one of the new ones."""
    if not times:
        raise InterpretingError("invalid", "请填写至少一个时间段 / Enter at least one time.", "times")
    zone = timezone.get_current_timezone()
    now = _now()
    if day > timezone.localdate() + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise InterpretingError(
            "invalid",
            f"最多可提前 {MAX_DAYS_AHEAD} 天添加 / Slots can be added at most {MAX_DAYS_AHEAD} days ahead.",
            "day",
        )
    spans = []
    for start, end in times:
        starts_at = dt.datetime.combine(day, start, tzinfo=zone)
        ends_at = dt.datetime.combine(day, end, tzinfo=zone)
        label = f"{start:%H:%M}-{end:%H:%M}"
        if ends_at <= starts_at:
            raise InterpretingError(
                "invalid",
                f"{label}：结束时间应晚于开始时间 / {label}: the end must be after the start.",
                "times",
            )
        minutes = (ends_at - starts_at).total_seconds() / 60
        if not MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES:
            raise InterpretingError(
                "invalid",
                f"{label}：时长应在 {MIN_SLOT_MINUTES} 分钟到 {MAX_SLOT_MINUTES // 60} 小时之间 / "
                f"{label}: a slot lasts from {MIN_SLOT_MINUTES} minutes to {MAX_SLOT_MINUTES // 60} hours.",
                "times",
            )
        if starts_at <= now:
            raise InterpretingError(
                "invalid", f"{label}：该时间已过去 / {label}: this time has already passed.", "times"
            )
        spans.append((starts_at, ends_at, label))
    spans.sort()
    for (_, end_a, label_a), (start_b, _, label_b) in itertools.pairwise(spans):
        if start_b < end_a:
            raise InterpretingError(
                "invalid", f"{label_a} 与 {label_b} 重叠 / {label_a} and {label_b} overlap.", "times"
            )
    with transaction.atomic():
        # One writer per interpreter at a time (PostgreSQL; SQLite has one writer anyway), so two staff
        # adding overlapping slots at once cannot both pass the check below.
        locked = Interpreter.objects.select_for_update().get(pk=interpreter.pk)
        if not locked.active:
            raise InterpretingError(
                "invalid",
                "该译员已停用，不能添加时间 / "
                "This interpreter is not taking bookings: no slots can be added.",
                "interpreter",
            )
        for starts_at, ends_at, label in spans:
            clash = (
                Slot.objects.filter(
                    interpreter=locked, withdrawn=False, starts_at__lt=ends_at, ends_at__gt=starts_at
                )
                .order_by("starts_at")
                .first()
            )
            if clash is None:
                continue
            local = timezone.localtime(clash.starts_at)
            other = f"{local:%H:%M}-{timezone.localtime(clash.ends_at):%H:%M}"
            raise InterpretingError(
                "invalid",
                f"{label} 与该译员已有的 {other} 重叠 / {label} overlaps this interpreter's slot {other}.",
                "times",
            )
        try:
            with transaction.atomic():
                slots = [
                    Slot.objects.create(interpreter=locked, starts_at=starts_at, ends_at=ends_at)
                    for starts_at, ends_at, _ in spans
                ]
        except IntegrityError:  # a withdrawn slot with the same start: the database refuses it
            raise InterpretingError(
                "invalid",
                "该译员在此开始时间已有一个（已撤回的）时间段 / "
                "This interpreter already has a (withdrawn) slot starting at that time.",
                "times",
            ) from None
        log_action(
            actor,
            "interpreting.slots.add",
            object_type="interpreter",
            object_id=locked.pk,
            details={
                "day": day.isoformat(),
                "times": [label for _, _, label in spans],
                "slots": [s.pk for s in slots],
            },
        )
    return slots


def slot_withdraw(*, actor: Actor, slot: Slot) -> Slot:
    """Stop offering a free slot. A booked slot is not withdrawn: cancel or move its booking first."""
    with transaction.atomic():
        if Booking.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).exists():
            raise InterpretingError(
                "illegal",
                "该时间段已被预约，请先取消或改派预约 / "
                "This slot is booked: cancel or move the booking first.",
            )
        Slot.objects.filter(pk=slot.pk).update(withdrawn=True)
        slot.refresh_from_db()
        log_action(actor, "interpreting.slot.withdraw", object_type="slot", object_id=slot.pk)
    return slot


# ---------------------------------------------------------------------------------------------------
# Bookings


def _next_reference(year: int) -> str:
    BookingNumber.objects.get_or_create(year=year)
    BookingNumber.objects.filter(year=year).update(last=F("last") + 1)  # atomic in both databases
    return f"SY-{year}-{BookingNumber.objects.get(year=year).last:06d}"


def _check_bookable(slot: Slot, *, field: str = "") -> None:
    if slot.withdrawn or not slot.interpreter.active:
        raise InterpretingError(
            "taken",
            "这个时间已不再提供，请选择其他时间 / "
            "This time is no longer offered: please choose another time.",
            field,
        )
    if slot.starts_at <= _now():
        raise InterpretingError(
            "taken",
            "这个时间已经过去，请选择其他时间 / This time has passed: please choose another time.",
            field,
        )
    if Booking.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).exists():
        raise InterpretingError("taken", TAKEN, field)


def _clean_phone(phone: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", phone or "")
    if not digits:
        raise InterpretingError(
            "invalid", "请填写联系电话 / Enter a phone number for text messages.", "phone"
        )
    if not PHONE_PATTERN.match(digits):
        raise InterpretingError(
            "invalid",
            "联系电话应为5–20位数字，如 13812345678 / "
            "The phone number must be 5–20 digits, like 13812345678.",
            "phone",
        )
    return digits


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def booking_create(
    *,
    actor: Actor,
    slot: Slot,
    requester_kind: str,
    requester_name: str,
    organisation: str = "",
    phone: str,
    email: str = "",
    contact_by: str = ContactBy.SMS,
    purpose: str,
    details: str = "",
    submission_key: str = "",
    sender_address: str | None = None,
) -> Booking:
    """Book ``slot`` (the public booking form; U11). The slot must be in the future, offered and free;
    two requesters racing for one slot: the database lets one booking in and refuses the other, who is
    told to choose another time. The same form posted twice (``submission_key``) returns the booking."""
    requester_name, organisation = requester_name.strip(), organisation.strip()
    email, details = email.strip(), details.strip()
    errors: dict[str, str] = {}
    if requester_kind not in RequesterKind.values:
        errors["requester_kind"] = "请选择预约人 / Choose who is booking."
    if not requester_name:
        errors["requester_name"] = "请填写姓名 / Enter your name."
    if requester_kind == RequesterKind.OFFICE and not organisation:
        errors["organisation"] = "请填写单位名称 / Enter the name of the office or organisation."
    # Names are shown to staff and may be copied into spreadsheets (U11, core.safe_text).
    for field, value in (("requester_name", requester_name), ("organisation", organisation)):
        problem = safe_text.text_problem(value)
        if problem and field not in errors:
            errors[field] = str(Message(*problem))
    try:
        digits = _clean_phone(phone)
    except InterpretingError as error:
        errors["phone"] = error.message
    if email and not EMAIL_PATTERN.match(email):
        errors["email"] = (
            "电子邮箱格式不正确，如 name@example.com / Enter an e-mail address like name@example.com."
        )
    if contact_by not in ContactBy.values:
        errors["contact_by"] = "请选择联系方式 / Choose how we should reach you."
    elif contact_by == ContactBy.EMAIL and not email:
        errors.setdefault(
            "email", "选择电子邮件联系时请填写邮箱 / Enter the e-mail address we should write to."
        )
    if purpose not in Purpose.values:
        errors["purpose"] = "请选择用途 / Choose what the interpretation is for."
    elif purpose == Purpose.OTHER and not details:
        errors["details"] = "请说明用途 / Say briefly what the interpretation is for."
    if errors:
        field, message = next(iter(errors.items()))
        raise InterpretingError("invalid", message, field, errors)
    if submission_key:
        earlier = Booking.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            return earlier
    if sender_address:  # bookings are counted per sending address (CLIENT_LIMIT), not for the audit
        key = f"interpreting:book:{sender_address}"
        if not attempt([key], {key: CLIENT_LIMIT}):
            raise InterpretingError(
                "limit",
                "从此网络发出的预约过多，请稍后再试或致电残联 / "
                "Too many bookings from this connection: try again later or call the federation.",
            )
    phone_index = blind_index(digits)
    with transaction.atomic():
        slot = Slot.objects.select_related("interpreter").get(pk=slot.pk)
        _check_bookable(slot)
        open_bookings = Booking.objects.filter(
            phone_index=phone_index, status__in=ACTIVE_STATUSES, slot__ends_at__gt=_now()
        ).count()
        if open_bookings >= MAX_OPEN_BOOKINGS_PER_PHONE:
            raise InterpretingError(
                "limit",
                f"此电话号码已有 {open_bookings} 个未完成的预约，请先取消一个或与残联联系 / "
                f"This phone number already has {open_bookings} open bookings: cancel one first or "
                "contact the federation.",
                "phone",
            )
        reference = _next_reference(timezone.localdate().year)
        try:
            with transaction.atomic():  # a savepoint: PostgreSQL's transaction stays usable after a refusal
                booking = Booking.objects.create(
                    reference=reference,
                    slot=slot,
                    requester_kind=requester_kind,
                    requester_name=requester_name,
                    organisation=organisation if requester_kind == RequesterKind.OFFICE else "",
                    phone_encrypted=encrypt(digits),
                    phone_index=phone_index,
                    phone_masked=mask_phone(digits),
                    email_encrypted=encrypt(email) if email else None,
                    email_masked=_mask_email(email) if email else "",
                    contact_by=contact_by,
                    purpose=purpose,
                    details=details,
                    access_token=secrets.token_urlsafe(24),
                    submission_key=submission_key,
                )
        except IntegrityError:
            # The database refused a second active booking of the slot (or the same form twice, at once).
            if submission_key and (earlier := Booking.objects.filter(submission_key=submission_key).first()):
                return earlier
            raise InterpretingError("taken", TAKEN) from None
        log_action(
            actor,
            "interpreting.book",
            object_type="booking",
            object_id=reference,
            details={
                "slot": slot.pk,
                "starts_at": slot.starts_at.isoformat(),
                "interpreter": slot.interpreter_id,
                "requester_kind": requester_kind,
                "purpose": purpose,
            },
        )
    return booking


def _apply(booking: Booking, version: int, **changes) -> Booking:
    """Write ``changes`` if the booking is still at ``version`` (else ``stale``, nothing written)."""
    updated = Booking.objects.filter(pk=booking.pk, version=version).update(
        version=F("version") + 1, updated_at=_now(), **changes
    )
    if not updated:
        raise InterpretingError("stale", STALE)
    booking.refresh_from_db()
    return booking


def booking_confirm(*, actor: Actor, booking: Booking, version: int, meeting_details: str) -> Booking:
    """Confirm a requested booking with the meeting details (the video link, room or number to call),
    or change the details of a confirmed one. The requester's page shows them at once."""
    meeting_details = meeting_details.strip()
    if not meeting_details:
        raise InterpretingError(
            "invalid",
            "请填写会面信息（视频链接、地点或电话） / "
            "Enter the meeting details: the video link, the room or the number to call.",
            "meeting_details",
        )
    if booking.status == Status.CANCELLED:
        raise InterpretingError("illegal", "此预约已取消 / This booking is cancelled.")
    with transaction.atomic():
        was = booking.status
        booking = _apply(
            booking,
            version,
            status=Status.CONFIRMED,
            meeting_details=meeting_details,
            confirmed_at=_now(),
            handled_by_label=actor_label(actor),
        )
        log_action(
            actor,
            "interpreting.confirm" if was == Status.REQUESTED else "interpreting.details",
            object_type="booking",
            object_id=booking.reference,
            details={"slot": booking.slot_id},
        )
    return booking


def booking_reassign(
    *,
    actor: Actor,
    booking: Booking,
    version: int,
    slot: Slot,
    meeting_details: str = "",
) -> Booking:
    """Move a booking to another free slot (another interpreter or time). The new slot's uniqueness is
    the database's: a slot booked meanwhile is refused and nothing changes. With meeting details the
    booking is confirmed for the new slot; without, it waits for confirmation again (the old details
    belonged to the old slot and are cleared)."""
    if booking.status == Status.CANCELLED:
        raise InterpretingError("illegal", "此预约已取消 / This booking is cancelled.")
    if slot.pk == booking.slot_id:
        raise InterpretingError(
            "invalid", "请选择另一个时间段 / Choose a different slot from the current one.", "slot"
        )
    meeting_details = meeting_details.strip()
    with transaction.atomic():
        slot = Slot.objects.select_related("interpreter").get(pk=slot.pk)
        _check_bookable(slot, field="slot")
        old_slot = booking.slot_id
        changes = {"slot": slot, "handled_by_label": actor_label(actor)}
        if meeting_details:
            changes |= {
                "status": Status.CONFIRMED,
                "meeting_details": meeting_details,
                "confirmed_at": _now(),
            }
        else:
            changes |= {"status": Status.REQUESTED, "meeting_details": "", "confirmed_at": None}
        try:
            with transaction.atomic():
                booking = _apply(booking, version, **changes)
        except IntegrityError:
            raise InterpretingError("taken", TAKEN, "slot") from None
        log_action(
            actor,
            "interpreting.reassign",
            object_type="booking",
            object_id=booking.reference,
            details={"from_slot": old_slot, "to_slot": slot.pk, "confirmed": bool(meeting_details)},
        )
    return booking


def booking_cancel(
    *,
    actor: Actor,
    booking: Booking,
    version: int,
    reason: str,
    by_requester: bool = False,
) -> Booking:
    """Cancel a booking; its slot is free again at once. Staff give the reason (the requester is told
    it); the requester cancels from their own page, before the time starts, with an optional reason."""
    reason = reason.strip()
    if not reason and not by_requester:
        raise InterpretingError(
            "invalid",
            "请填写取消原因（会告知预约人） / Enter the reason (the requester is told it).",
            "reason",
        )
    if booking.status == Status.CANCELLED:
        raise InterpretingError("illegal", "此预约已取消 / This booking is already cancelled.")
    if by_requester and booking.slot.starts_at <= _now():
        raise InterpretingError(
            "illegal",
            "预约时间已开始，无法在线取消，请联系残联 / "
            "The time has started: it can no longer be cancelled here. Contact the federation.",
        )
    with transaction.atomic():
        booking = _apply(
            booking,
            version,
            status=Status.CANCELLED,
            cancel_reason=reason,
            cancelled_by_requester=by_requester,
            cancelled_at=_now(),
            handled_by_label=actor_label(actor),
        )
        log_action(
            actor,
            "interpreting.cancel",
            object_type="booking",
            object_id=booking.reference,
            details={"slot": booking.slot_id, "by_requester": by_requester},
        )
    return booking


def booking_export_record(actor, *, filters: dict, rows: int, truncated: bool) -> None:
    """The audit event of an xlsx export of the staff booking list (U11; GB/T 22239-2019 8.1.4.3):
    who exported, with which filters, how many rows, and whether the cap cut the file short."""
    log_action(
        actor,
        "interpreting.export",
        object_type="booking",
        details={"filters": filters, "rows": rows, "truncated": truncated},
    )
