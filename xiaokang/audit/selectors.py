"""Reading the audit trail (U11; GB/T 22239-2019 8.1.4.3): only an auditor may (三权分立: the district
administrator and the security administrator may not), and every reading is itself recorded in the trail
("audit.view").

The audit layer sits below accounts (ARCHITECTURE rule 3), so the role is compared by its value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from xiaokang.audit.models import AuditEvent
from xiaokang.audit.services import Verification, log_action, verify_chain
from xiaokang.core.capabilities import can

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the auditor asks for; empty fields do not filter. Dates are days in the district's time zone
    (Asia/Shanghai), both ends included."""

    user: str = ""  # part of the actor's label (user name or "system:…" job)
    action: str = ""  # exact action, e.g. "registry.export"
    person_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    object_type: str = ""  # exact, e.g. "declaration"
    object_id: str = ""  # exact, with or without an object type

    def as_details(self) -> dict:
        """The filters as they are recorded in the "audit.view" event (only those given)."""
        values = {
            "user": self.user,
            "action": self.action,
            "person_id": self.person_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "object_type": self.object_type,
            "object_id": self.object_id,
        }
        return {key: value for key, value in values.items() if value not in (None, "")}


@dataclass
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None  # pass as ``before`` for the next (older) page; None on the last page


def _require_auditor(actor) -> None:
    if not can(actor, "audit.read"):
        raise PermissionDenied("only an auditor reads the audit trail / 只有审计员可以查阅审计日志")


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the district's time zone (settings.TIME_ZONE)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _matching(filters: AuditFilters):
    events = AuditEvent.objects.all()
    if filters.user:
        events = events.filter(actor_label__icontains=filters.user)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.person_id is not None:
        events = events.filter(person_id=filters.person_id)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.date_from is not None:
        events = events.filter(occurred_at__gte=_start_of(filters.date_from))
    if filters.date_to is not None:
        events = events.filter(occurred_at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    return events


# Events an export writes at most (the file says where it stopped): narrow by date or user for more.
EXPORT_CAP = 50_000


def audit_export_events(actor, filters: AuditFilters):
    """The events matching ``filters``, newest first, for the xlsx export (core.listing streams them;
    the caller records "audit.export" with the row count it wrote)."""
    _require_auditor(actor)
    return _matching(filters).order_by("-id").iterator(chunk_size=2000)


def audit_events(
    actor,
    filters: AuditFilters,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """Events matching ``filters``, newest first, ``limit`` at a time. Keyset pagination on the id (the
    chain's own order): ``before`` is the id below which the page starts, so a page costs the same on the
    millionth event as on the first and does not shift when new events arrive. The reading is audited."""
    _require_auditor(actor)
    events = _matching(filters)
    if before is not None:
        events = events.filter(id__lt=before)
    rows = list(events.order_by("-id")[: limit + 1])
    page = AuditPage(rows[:limit], rows[limit - 1].pk if len(rows) > limit else None)
    log_action(
        actor,
        "audit.view",
        object_type="audit",
        details={"filters": filters.as_details(), "before": before, "shown": len(page.events)},
    )
    return page


ALERTS_SHOWN = 10


def recent_alerts(actor, limit: int = ALERTS_SHOWN) -> list[AuditEvent]:
    """The newest alerts (actions ``alert.…``, e.g. ``alert.bulk_read``: a reader stopped for paging
    through too many persons), for the top of the auditor's page (U11; GB/T 22239-2019 8.1.4.3 c).
    Part of the page whose reading ``audit_events`` records: no event of its own."""
    _require_auditor(actor)
    return list(AuditEvent.objects.filter(action__startswith="alert.").order_by("-id")[:limit])


def audit_actions(actor) -> list[str]:
    """The actions present in the trail, for the action filter."""
    _require_auditor(actor)
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_chain_verify(actor) -> Verification:
    """Recompute the hash chain (``services.verify_chain``) for an auditor; the check is recorded."""
    _require_auditor(actor)
    result = verify_chain()
    log_action(
        actor,
        "audit.verify",
        object_type="audit",
        details={
            "checked": result.checked,
            "intact": result.broken_id is None,
            "broken_at": result.broken_id,
        },
    )
    return result
