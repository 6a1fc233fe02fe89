"""Writing and verifying the audit trail. ``log_action`` is called inside the service's own transaction,
so an event exists exactly when the change it records does (ARCHITECTURE rule 1)."""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from xiaokang.audit.models import AuditEvent
from xiaokang.core.bulk import insert_frame, reserve_ids

GENESIS = "0" * 64
# The client address of the request being served (set by audit.middleware.AuditClientMiddleware), so
# every event written while serving it records where it came from without each caller passing it.
current_client: contextvars.ContextVar[str] = contextvars.ContextVar("audit_client", default="")
# Fields whose values never enter the audit trail in clear (issue 3 §2: sensitive fields masked).
SENSITIVE_KEYS = {"id_number", "phone", "password", "certificate_number", "token"}


@dataclass
class Event:
    action: str
    object_type: str = ""
    object_id: str = ""
    person_id: int | None = None
    details: dict = field(default_factory=dict)


def _all_keys(details: dict) -> set:
    keys = set(details)
    for value in details.values():
        if isinstance(value, dict):
            keys |= _all_keys(value)
    return keys


def mask_details(details: dict) -> dict:
    """Sensitive values replaced by a mask; nested dicts and [old, new] pairs handled."""

    def mask(key, value):
        if key in SENSITIVE_KEYS and value not in (None, ""):
            if isinstance(value, list):
                return [None if v in (None, "") else "***" for v in value]
            return "***"
        if isinstance(value, dict):
            return {k: mask(k, v) for k, v in value.items()}
        return value

    return {k: mask(k, v) for k, v in details.items()}


# One encoder each, built once: json.dumps with options builds a new encoder per call, which dominated
# the cost of auditing a 100,000-row import.
_DETAILS_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
_HEAD_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _details_json(details: dict) -> str:
    return _DETAILS_ENCODER.encode(details)


def _canonical(
    event_id: int, occurred_at: str, actor_label: str, client: str, event: Event, details_json: str
) -> str:
    """The text an event's hash covers: its fields in a fixed order, then its details as sorted JSON
    (the same text that is stored, so verification recomputes it from the stored row)."""
    head = _HEAD_ENCODER.encode(
        [
            event_id,
            occurred_at,
            actor_label,
            client,
            event.action,
            event.object_type,
            event.object_id,
            event.person_id,
        ]
    )
    return head + details_json


def _digest(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_chain_and_get_head() -> str:
    """Serialise writers of the chain for the rest of the transaction and return the last hash."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('xiaokang.audit.chain'))")
        # SQLite: a write transaction (BEGIN IMMEDIATE) already holds the database's only write lock.
        cursor.execute("SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else GENESIS


_EVENT_SCHEMA = {
    "action": pl.Utf8,
    "object_type": pl.Utf8,
    "object_id": pl.Utf8,
    "person_id": pl.Int64,
    "details": pl.Utf8,
}
# Characters a JSON string holds without escaping: such columns can be quoted column-wise.
_PLAIN = r"^[A-Za-z0-9_.:\-]*$"


def canonical_json(value) -> str:
    """Sorted keys, no spaces, non-ASCII kept: the text the audit trail stores and hashes for details.
    Writers that build details text themselves (``log_events_frame``) use this for the parts."""
    return _DETAILS_ENCODER.encode(value)


def log_actions(actor, events: Iterable[Event], *, client: str | None = None) -> int:
    """Append events for ``actor`` to the chain, in order, in the current transaction (one is opened if
    there is none). Sensitive details are masked first."""
    rows = []
    for event in events:
        if event.details and SENSITIVE_KEYS.intersection(_all_keys(event.details)):
            event.details = mask_details(event.details)
        rows.append(
            (event.action, event.object_type, event.object_id, event.person_id, _details_json(event.details))
        )
    return log_events_frame(actor, pl.DataFrame(rows, schema=_EVENT_SCHEMA, orient="row"), client=client)


def _canonical_texts(frame: pl.DataFrame, occurred: str, label: str, client: str) -> list[str]:
    """``_canonical`` of every row of ``frame`` (with its ``id``): built by Polars when the text columns
    need no JSON escaping (an import's person events), else row by row through the JSON encoder."""
    columns = ("action", "object_type", "object_id")
    plain = frame.select(
        pl.all_horizontal(pl.col(c).fill_null("").str.contains(_PLAIN) for c in columns)
    ).to_series()
    if not plain.all():
        return [
            _canonical(i, occurred, label, client, Event(a, t, o, p), d)
            for i, a, t, o, p, d in frame.select("id", *columns, "person_id", "details").iter_rows()
        ]
    constants = _HEAD_ENCODER.encode([occurred, label, client])[1:-1]
    quoted = [pl.lit('"') + pl.col(c).fill_null("") + pl.lit('"') for c in columns]
    return (
        frame.select(
            pl.concat_str(
                pl.lit("["),
                pl.col("id").cast(pl.Utf8),
                pl.lit("," + constants + ","),
                quoted[0],
                pl.lit(","),
                quoted[1],
                pl.lit(","),
                quoted[2],
                pl.lit(","),
                pl.col("person_id").cast(pl.Utf8).fill_null("null"),
                pl.lit("]"),
                pl.col("details"),
            )
        )
        .to_series()
        .to_list()
    )


def log_events_frame(actor, events: pl.DataFrame, *, client: str | None = None) -> int:
    """Append a batch of events given column-wise (action, object_type, object_id, person_id, details as
    canonical JSON with sensitive values already masked), in the current transaction: one insert, and
    only the hash chain itself, sequential by nature, is a Python loop. ``verify_chain`` recomputes each
    hash from the stored row with ``_canonical``."""
    if events.height == 0:
        return 0
    client = current_client.get() if client is None else client
    with transaction.atomic():
        prev = _lock_chain_and_get_head()
        frame = events.select(*_EVENT_SCHEMA).with_columns(
            pl.Series("id", reserve_ids(AuditEvent, events.height), dtype=pl.Int64)
        )
        now = timezone.now()
        label = actor.username
        prevs, hashes = [], []
        for text in _canonical_texts(frame, _iso(now), label, client):
            prevs.append(prev)
            prev = _digest(prev, text)
            hashes.append(prev)
        frame = frame.with_columns(
            pl.Series("prev_hash", prevs, dtype=pl.Utf8), pl.Series("hash", hashes, dtype=pl.Utf8)
        )
        insert_frame(
            AuditEvent,
            frame,
            constants={
                "occurred_at": now,
                "actor_id": getattr(actor, "pk", None),
                "actor_label": label,
                "client": client,
            },
        )
    return events.height


def log_action(
    actor,
    action: str,
    *,
    object_type: str = "",
    object_id: str | int = "",
    person_id: int | None = None,
    details: dict | None = None,
    client: str | None = None,
) -> None:
    # object_id is text of at most 64 characters: a hostile id in a URL is recorded truncated, not refused.
    log_actions(
        actor, [Event(action, object_type, str(object_id)[:64], person_id, details or {})], client=client
    )


@dataclass
class Verification:
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify_chain(*, batch: int = 5000) -> Verification:
    """Recompute every hash in id order; report the first event whose link or content does not match."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        chunk = list(
            AuditEvent.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list(
                "id",
                "occurred_at",
                "actor_label",
                "client",
                "action",
                "object_type",
                "object_id",
                "person_id",
                "details",
                "prev_hash",
                "hash",
            )[:batch]
        )
        if not chunk:
            return Verification(checked)
        for (
            event_id,
            occurred_at,
            label,
            client,
            action,
            object_type,
            object_id,
            person_id,
            details,
            prev_hash,
            digest,
        ) in chunk:
            if prev_hash != prev:
                return Verification(
                    checked, event_id, "link to the previous event is broken (event missing or reordered)"
                )
            event = Event(action, object_type, object_id, person_id, details)
            canonical = _canonical(event_id, _iso(occurred_at), label, client, event, _details_json(details))
            if _digest(prev, canonical) != digest:
                return Verification(checked, event_id, "content does not match its hash (event altered)")
            prev = digest
            checked += 1
            last_id = event_id
