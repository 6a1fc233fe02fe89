"""Reading the registry's history (R6): a person's record as it stood on any past date."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.utils import timezone



def _decode(value):
    return value if isinstance(value, dict) else json.loads(value)


def latest_snapshots(person_ids: list[int], *, at: dt.datetime | None = None) -> dict[int, dict]:
    """person id → the snapshot of their latest history entry (at or before ``at``)."""
    if not person_ids:
        return {}
    cutoff = at or timezone.now()
    # The latest entry per person: the highest id among entries recorded at or before the cutoff
    # (ids grow with time within a person's history; entries of one import share a timestamp).
    sql = (
        "SELECT h.person_id, h.snapshot FROM registry_personhistory h JOIN ("
        " SELECT person_id, MAX(id) AS id FROM registry_personhistory"
        " WHERE recorded_at <= %s AND person_id IN ({in_}) GROUP BY person_id"
        ") last ON last.id = h.id"
    )
    out: dict[int, dict] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(person_ids), 900):
            part = person_ids[start : start + 900]
            cursor.execute(sql.replace("{in_}", ", ".join(["%s"] * len(part))), [cutoff, *part])
            out.update({pid: _decode(snap) for pid, snap in cursor.fetchall()})
    return out


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in the district's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))

