"""The registry's history (R6): who changed what and when, and a person's record as it stood on any
past date — today's record with every later change rolled back, newest first."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.utils import timezone

# A person's record as history entries name its fields (the import format, identifiers for values).
PERSON_FIELDS = (
    "name",
    "hukou",
    "address",
    "phone",
    "street",
    "community",
    "household",
    "relation",
    "employment",
    "self_care",
    "work_injury_care",
    "status",
)
HOUSEHOLD_FIELDS = ("economic_status", "family_planning_hardship", "dangerous_house")
CERTIFICATE_FIELDS = ("category", "grade", "components", "certificate_reissue", "certificate_issued")
RECORD_FIELDS = PERSON_FIELDS + HOUSEHOLD_FIELDS + CERTIFICATE_FIELDS + ("status_changed_on",)

# One person's current record with its active certificate and household (also the importer's comparison).
RECORD_SQL = """
SELECT p.id, p.id_number_index, p.name, p.hukou, p.address, p.phone_index, p.phone_masked,
       p.phone_encrypted, s.code, cm.code, h.key, p.relation, h.economic_status,
       h.family_planning_hardship, h.dangerous_house, p.employment, p.self_care, p.work_injury_care,
       p.status, p.status_changed_on, c.id, c.category, c.grade, c.components, c.reissue, c.issued_on,
       p.household_id
FROM registry_person p
JOIN core_area s ON s.id = p.street_id
JOIN core_area cm ON cm.id = p.community_id
JOIN registry_household h ON h.id = p.household_id
LEFT JOIN registry_certificate c ON c.person_id = p.id AND c.status = 'active'
"""


def _text(value) -> str | None:
    return None if value is None else str(value)


def current_record(person_id: int) -> dict | None:
    """The record as it stands now, named by RECORD_FIELDS (phone masked)."""
    with connection.cursor() as cursor:
        cursor.execute(RECORD_SQL + " WHERE p.id = %s", [person_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return {
        "name": row[2],
        "hukou": row[3],
        "address": row[4],
        "phone": row[6] or None,
        "street": row[8],
        "community": row[9],
        "household": row[10],
        "relation": row[11],
        "economic_status": row[12],
        "family_planning_hardship": bool(row[13]),
        "dangerous_house": bool(row[14]),
        "employment": row[15],
        "self_care": bool(row[16]),
        "work_injury_care": bool(row[17]),
        "status": row[18],
        "status_changed_on": _text(row[19]),
        "category": row[21],
        "grade": row[22],
        "components": row[23],
        "certificate_reissue": row[24],
        "certificate_issued": _text(row[25]),
    }


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in the district's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def record_as_of(person_id: int, when: dt.datetime | dt.date) -> dict | None:
    """The record as it stood at ``when`` (a date means the end of that day); None if the person was not
    yet registered then. Callers check scope first (selectors.person_for)."""
    if not isinstance(when, dt.datetime):
        when = end_of_day(when)
    record = current_record(person_id)
    if record is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, changes, recorded_at FROM registry_personhistory WHERE person_id = %s "
            "ORDER BY recorded_at DESC, id DESC",
            [person_id],
        )
        entries = cursor.fetchall()
    for action, changes, recorded_at in entries:
        if isinstance(recorded_at, str):  # SQLite stores naive UTC text
            recorded_at = dt.datetime.fromisoformat(recorded_at)
        if recorded_at.tzinfo is None:
            recorded_at = recorded_at.replace(tzinfo=dt.UTC)
        if recorded_at <= when:
            break
        if action == "create":
            return None
        for field, (old, _new) in (changes if isinstance(changes, dict) else json.loads(changes)).items():
            record[field] = old
    return record
