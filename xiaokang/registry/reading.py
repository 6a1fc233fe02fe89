"""Auditing and limiting reads of many persons at once (U11; GB/T 22239-2019 8.1.4.3 security audit,
8.1.4.11 personal information protection; PIPL arts. 51, 55).

- Every list, search and export call is one audit event (``person.list``, ``person.search``, …) with
  the filters it was given and the number of persons it returned: one insert per call, never one per
  person. An ID or certificate number searched for is recorded as its blind index
  (``crypto.blind_index``, the same value as ``Person.id_number_index``, so the auditor can tell whose
  number was looked up with the key, and nobody can read the number from the trail without it).
- Paging through the registry is limited by persons read, not by requests (``core.ratelimit.consume``):
  more than ``XIAOKANG_BULK_READ_LIMIT`` persons within ``XIAOKANG_BULK_READ_WINDOW`` seconds and the
  reader gets 429 until the window has passed; the first refusal in a window writes ``alert.bulk_read``,
  which the auditor's page lists above the trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.conf import settings
from django.utils.translation import gettext as _

from xiaokang.accounts.actors import Actor
from xiaokang.audit.services import log_action
from xiaokang.core import crypto
from xiaokang.core.identifiers import IdentifierError, parse_certificate_number
from xiaokang.core.ratelimit import Limit, attempt, consume
from xiaokang.registry.search import PersonFilters

ALERT_ACTION = "alert.bulk_read"


class BulkReadLimited(Exception):
    """The reader has read more persons than the bulk-read limit allows in the window (answer 429)."""

    def __init__(self, limit: int, window_seconds: int):
        self.limit = limit
        self.window_seconds = window_seconds
        super().__init__(self.message())

    def minutes(self) -> int:
        return max(1, -(-self.window_seconds // 60))

    def message(self) -> str:
        """Both languages, whatever the page's language: the API client and the officer read the same."""
        return (
            f"您在{self.minutes()}分钟内读取的人员记录已超过{self.limit}条，请稍后再试；"
            "如确需批量数据，请由区级管理员使用导出功能（导出会被审计） / "
            f"You have read more than {self.limit} person records within {self.minutes()} minutes: "
            "try again later. For bulk data, ask a district administrator for an export (exports are "
            "audited)."
        )

    def page_message(self) -> str:
        return _(
            "You have read more than %(limit)s person records within %(minutes)s minutes. Try again "
            "later; for bulk data, ask a district administrator for an export (exports are audited)."
        ) % {"limit": self.limit, "minutes": self.minutes()}


def bulk_read_limit() -> Limit:
    return Limit(
        attempts=int(settings.XIAOKANG_BULK_READ_LIMIT),
        window=dt.timedelta(seconds=int(settings.XIAOKANG_BULK_READ_WINDOW)),
    )


def _reader_key(actor: Actor) -> str:
    pk = getattr(actor, "pk", None)
    return f"bulkread:user:{pk}" if pk is not None else f"bulkread:label:{getattr(actor, 'label', '')}"


def list_action(filters: PersonFilters) -> str:
    """``person.search`` when the call looks for someone (a name prefix, an ID or certificate number),
    ``person.list`` when it browses (area, category, status filters or none)."""
    looks_for_someone = filters.name or filters.id_number or filters.certificate_number
    return "person.search" if looks_for_someone else "person.list"


def filters_for_audit(filters: PersonFilters) -> dict:
    """The filters given, for the trail: numbers replaced by their blind index (never the number)."""
    given = {key: value for key, value in asdict(filters).items() if value not in (None, "")}
    number = given.pop("id_number", None)
    if number:
        given["id_number_index"] = crypto.blind_index(str(number).strip().upper())
    certificate = given.pop("certificate_number", None)
    if certificate:
        try:
            parsed = parse_certificate_number(certificate)
        except IdentifierError:
            given["certificate_number_index"] = crypto.blind_index(str(certificate).strip().upper())
        else:
            # The ID part as Person.id_number_index; the category, grade and reissue digits say nothing
            # about who the holder is.
            given["id_number_index"] = crypto.blind_index(parsed.id_number)
            given["certificate_suffix"] = parsed.number[18:]
    return given


def check_bulk_read(actor: Actor, rows: int, *, action: str) -> None:
    """Count ``rows`` persons read by ``actor``; raise BulkReadLimited when that would pass the limit
    (nothing counted then). The first refusal in a window writes one ``alert.bulk_read`` event."""
    if rows <= 0:
        return
    limit = bulk_read_limit()
    key = _reader_key(actor)
    allowance = consume(key, rows, limit)
    if allowance.granted:
        return
    alert_key = key.replace("bulkread:", "bulkread-alert:", 1)
    if attempt([alert_key], {alert_key: Limit(1, limit.window)}):
        log_action(
            actor,
            ALERT_ACTION,
            object_type="user",
            object_id=str(getattr(actor, "pk", "") or getattr(actor, "label", ""))[:64],
            details={
                "action": action,
                "read": allowance.used,
                "asked": rows,
                "limit": limit.attempts,
                "window_seconds": int(limit.window.total_seconds()),
            },
        )
    raise BulkReadLimited(limit.attempts, int(limit.window.total_seconds()))


def record_read(
    actor: Actor,
    action: str,
    *,
    rows: int,
    filters: PersonFilters | None = None,
    details: dict | None = None,
    limited: bool = True,
    object_type: str = "person",
) -> None:
    """One audit event for one list, search or export call: its filters (numbers as blind indexes) and
    the number of persons returned. ``limited``: the rows also count against the bulk-read limit
    (checked first: a refused call raises BulkReadLimited and is not recorded as a read). Work lists
    that show persons (applications, outreach, reviews, held roster lines) are audited with
    ``limited=False``: they show no birth date and are queues of the reader's own work."""
    if limited:
        check_bulk_read(actor, rows, action=action)
    recorded = {"rows": rows}
    if filters is not None:
        recorded["filters"] = filters_for_audit(filters)
    recorded.update(details or {})
    log_action(actor, action, object_type=object_type, details=recorded)
