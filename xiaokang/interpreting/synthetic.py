"""Synthetic interpreters and free times for the demo (U11; ``xiaokang seed`` calls ``seed_interpreters``).

Three interpreters, named as synthetic (示例译员一 …), each with slots on the coming working days of the
official calendar, and (the first time) a few bookings of those slots: requested, confirmed with the
meeting details, and one cancelled. Written through the services (audited as the seed); running it again
adds only the days that have no slots yet, so the demo can be re-seeded."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from xiaokang.accounts.actors import SystemActor
from xiaokang.core.workdays import is_working_day
from xiaokang.interpreting.models import Booking, Interpreter, Slot
from xiaokang.interpreting.services import (
    booking_cancel,
    booking_confirm,
    booking_create,
    interpreter_save,
    slots_add,
)

ACTOR = SystemActor("seed interpreting")
INTERPRETERS = (
    ("示例译员一", "中国手语（国家通用手语）", ((9, 0, 10, 0), (10, 30, 11, 30), (14, 0, 15, 0))),
    ("示例译员二", "中国手语、北京手语", ((9, 30, 10, 30), (14, 30, 15, 30), (16, 0, 17, 0))),
    ("示例译员三", "中国手语、书面中文（文字转写）", ((10, 0, 11, 0), (15, 0, 16, 0))),
)


def seed_interpreters(days: int = 14) -> dict[str, int]:
    """Interpreters (created once) and their slots on the working days of the next ``days`` days,
    starting tomorrow. Returns {"interpreters": created, "slots": added}."""
    created = added = 0
    today = timezone.localdate()
    working = [
        day for day in (today + dt.timedelta(days=n) for n in range(1, days + 1)) if is_working_day(day)[0]
    ]
    zone = timezone.get_current_timezone()
    for name, languages, times in INTERPRETERS:
        interpreter = Interpreter.objects.filter(name=name).first()
        if interpreter is None:
            interpreter = interpreter_save(
                actor=ACTOR, name=name, languages=languages, notes="合成数据，非真实人员"
            )
            created += 1
        if not interpreter.active:
            continue
        for day in working:
            start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            if Slot.objects.filter(
                interpreter=interpreter, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
            ).exists():
                continue
            spans = [(dt.time(h1, m1), dt.time(h2, m2)) for h1, m1, h2, m2 in times]
            added += len(slots_add(actor=ACTOR, interpreter=interpreter, day=day, times=spans))
    bookings = _seed_bookings() if created else 0
    return {"interpreters": created, "slots": added, "bookings": bookings}


# (requester kind, name, organisation, purpose, what happens to it): made-up requesters; the phone numbers
# 00000000001 … are not dialable.
BOOKINGS = (
    ("person", "示例预约人甲（合成）", "", "hospital", "confirmed"),
    ("office", "示例经办人乙（合成）", "万寿路街道社区服务中心（合成）", "government", "confirmed"),
    ("person", "示例预约人丙（合成）", "", "job_interview", "requested"),
    ("person", "示例预约人丁（合成）", "", "education", "requested"),
    ("person", "示例预约人戊（合成）", "", "legal", "cancelled"),
)


def _seed_bookings() -> int:
    """Bookings of the first free slots (U11), one per requester, through the booking form's service."""
    free = Slot.objects.filter(starts_at__gt=timezone.now(), withdrawn=False).order_by("starts_at", "pk")
    made = 0
    for number, (kind, name, organisation, purpose, outcome) in enumerate(BOOKINGS, start=1):
        slot = free.exclude(pk__in=Booking.objects.values("slot_id")).first()
        if slot is None:
            break
        booking = booking_create(
            actor=ACTOR,
            slot=slot,
            requester_kind=kind,
            requester_name=name,
            organisation=organisation,
            phone=f"{number:011d}",
            purpose=purpose,
            details="合成数据 synthetic",
        )
        if outcome == "confirmed":
            booking_confirm(
                actor=ACTOR,
                booking=booking,
                version=booking.version,
                meeting_details="视频：https://meet.example.invalid/demo（合成） / video link (synthetic)",
            )
        elif outcome == "cancelled":
            booking_cancel(
                actor=ACTOR,
                booking=booking,
                version=booking.version,
                reason="译员临时有事，请改约其他时间（合成数据） / the interpreter is away: rebook, please",
            )
        made += 1
    return made
