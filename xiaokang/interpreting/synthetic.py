"""Synthetic interpreters and free times for the demo (U11; ``xiaokang seed`` calls ``seed_interpreters``).

Three interpreters, named as synthetic (示例译员一 …), each with slots on the coming working days of the
official calendar. Written through the services (audited as the seed); running it again adds only the
days that have no slots yet, so the demo can be re-seeded."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from xiaokang.accounts.actors import SystemActor
from xiaokang.core.workdays import is_working_day
from xiaokang.interpreting.models import Interpreter, Slot
from xiaokang.interpreting.services import interpreter_save, slots_add

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
    return {"interpreters": created, "slots": added}
