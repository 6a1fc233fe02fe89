"""Writing and verifying the audit trail (U11; GB/T 22239-2019 8.1.4.3). ``log_action`` is called inside
the service's own transaction, so an event exists exactly when the change it records does (ARCHITECTURE
rule 1). Each link is an HMAC-SHA256 under XIAOKANG_AUDIT_KEY (``audit_key``); anchors written outside the
database (``anchor_write``) catch a deleted tail, which no chain can show by itself."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xiaokang.audit.models import AuditEvent, ChainSwitch
from xiaokang.core import crypto
from xiaokang.core.bulk import insert_frame, reserve_ids

GENESIS = "0" * 64
# The client address of the request being served (set by audit.middleware.AuditClientMiddleware), so
# every event written while serving it records where it came from without each caller passing it.
# The only way an address reaches the trail: services never pass one (ARCHITECTURE rule 1; U11).
current_client: contextvars.ContextVar[str] = contextvars.ContextVar("audit_client", default="")


@contextlib.contextmanager
def recorded_client(address: str):
    """Events written inside the block record ``address`` (at most 64 characters) as their client: what
    the middleware does around each request, and what a job or a test outside a request may do."""
    token = current_client.set((address or "")[:64])
    try:
        yield
    finally:
        current_client.reset(token)


# Fields whose values never enter the audit trail in clear (U11; GB/T 22239-2019 8.1.4.3: sensitive fields
# masked).
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


@lru_cache(maxsize=4)
def _key_of(value: str | None) -> bytes:
    return crypto.configured_key("XIAOKANG_AUDIT_KEY", value)


def audit_key() -> bytes:
    """The chain's HMAC key: XIAOKANG_AUDIT_KEY (or _FILE), base64 of 32 bytes; a development key under
    var/keys/ when unset outside production (production settings refuse to start without it)."""
    return _key_of(getattr(settings, "XIAOKANG_AUDIT_KEY", None))


def _digest(prev_hash: str, canonical: str, key: bytes | None = None) -> str:
    """The link of an event: HMAC-SHA256(key, previous link ‖ canonical text), in hex."""
    return hmac.digest(key or audit_key(), (prev_hash + canonical).encode(), "sha256").hex()


def _legacy_digest(prev_hash: str, canonical: str) -> str:
    """The link of events written before the switch to HMAC (up to ``ChainSwitch.event_id``)."""
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def switch_mac(event_id: int, head_hash: str, key: bytes | None = None) -> str:
    """The MAC that pins the end of the plain SHA-256 part of an older database's chain."""
    text = f"xiaokang.audit.switch|{event_id}|{head_hash}"
    return hmac.digest(key or audit_key(), text.encode(), "sha256").hex()


def record_switch(conn) -> int | None:
    """Pin the current head as the last plain SHA-256 event (migration 0005_hmac_chain): the id pinned,
    or None on a database without events (a fresh one chains with HMAC from its first event). Raw SQL
    on ``conn`` so that it runs inside a migration."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audit_chainswitch")
        if cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT id, hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        if row is None:
            return None
        event_id, head = row
        cursor.execute(
            "INSERT INTO audit_chainswitch (event_id, head_hash, mac, recorded_at) VALUES (%s, %s, %s, %s)",
            [event_id, head, switch_mac(event_id, head), conn.ops.adapt_datetimefield_value(timezone.now())],
        )
    return event_id


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_chain_and_get_head() -> str:
    """Serialise writers of the chain for the rest of the transaction and return the last hash."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Every writer of the audit table comes through here, so this lock also keeps the ids that
            # ``reserve_ids`` draws without locking the table (which an INSERT-only role may not) in order.
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


def log_actions(actor, events: Iterable[Event]) -> int:
    """Append events for ``actor`` to the chain, in order, in the current transaction (one is opened if
    there is none). Sensitive details are masked first."""
    rows = []
    for event in events:
        if event.details and SENSITIVE_KEYS.intersection(_all_keys(event.details)):
            event.details = mask_details(event.details)
        rows.append(
            (event.action, event.object_type, event.object_id, event.person_id, _details_json(event.details))
        )
    return log_events_frame(actor, pl.DataFrame(rows, schema=_EVENT_SCHEMA, orient="row"))


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


def log_events_frame(actor, events: pl.DataFrame) -> int:
    """Append a batch of events given column-wise (action, object_type, object_id, person_id, details as
    canonical JSON with sensitive values already masked), in the current transaction: one insert, and
    only the hash chain itself, sequential by nature, is a Python loop. ``verify_chain`` recomputes each
    hash from the stored row with ``_canonical``. The client address is the request's (``current_client``,
    set by the audit middleware, or ``recorded_client`` outside a request)."""
    if events.height == 0:
        return 0
    client = current_client.get()
    with transaction.atomic():
        prev = _lock_chain_and_get_head()
        frame = events.select(*_EVENT_SCHEMA).with_columns(
            pl.Series("id", reserve_ids(AuditEvent, events.height, lock_table=False), dtype=pl.Int64)
        )
        now = timezone.now()
        label = actor.username
        key = audit_key()
        mac = hmac.digest
        prevs, hashes = [], []
        for text in _canonical_texts(frame, _iso(now), label, client):
            prevs.append(prev)
            prev = mac(key, (prev + text).encode(), "sha256").hex()
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
) -> None:
    # object_id is text of at most 64 characters: a hostile id in a URL is recorded truncated, not refused.
    log_actions(actor, [Event(action, object_type, str(object_id)[:64], person_id, details or {})])


@dataclass
class Verification:
    checked: int
    broken_id: int | None = None
    reason: str = ""
    # Runs of absent ids, (first, last): a deleted event in the middle (its link is broken too), or on
    # PostgreSQL ids drawn by a transaction that rolled back (the link across is intact).
    gaps: list[tuple[int, int]] = field(default_factory=list)
    last_id: int = 0
    head: str = GENESIS
    # "link", "altered" or "switch" (the recorded switch point): for pages that say it in their language.
    code: str = ""


_COLUMNS = (
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
)


def verify_chain(*, batch: int = 5000) -> Verification:
    """Recompute every link in id order; report the first event whose link or content does not match,
    and every gap in the ids. Events up to the recorded switch point (``ChainSwitch``) are checked as
    plain SHA-256 links, the rest as HMAC links under the audit key."""
    key = audit_key()
    switches = list(ChainSwitch.objects.order_by("event_id"))
    switch = switches[0] if switches else None
    if len(switches) > 1:
        return Verification(
            0, switches[1].event_id, "more than one switch point recorded (forged)", code="switch"
        )
    if switch is not None and not hmac.compare_digest(
        switch.mac, switch_mac(switch.event_id, switch.head_hash, key)
    ):
        return Verification(
            0,
            switch.event_id,
            "the recorded switch point does not match its MAC (forged, or a different XIAOKANG_AUDIT_KEY)",
            code="switch",
        )
    switch_id = switch.event_id if switch else 0
    prev = GENESIS
    checked = 0
    last_id = 0
    gaps: list[tuple[int, int]] = []

    def broken(event_id: int, reason: str, code: str) -> Verification:
        return Verification(checked, event_id, reason, gaps, last_id, prev, code)

    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id").values_list(*_COLUMNS)[:batch])
        if not chunk:
            if switch_id > last_id:
                return broken(
                    switch_id, "the last SHA-256 event of the recorded switch point is missing", "switch"
                )
            return Verification(checked, None, "", gaps, last_id, prev)
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
            if last_id and event_id != last_id + 1:  # before the first event: its link to genesis tells
                gaps.append((last_id + 1, event_id - 1))
            if last_id < switch_id < event_id:
                return broken(
                    switch_id, "the last SHA-256 event of the recorded switch point is missing", "switch"
                )
            if prev_hash != prev:
                return broken(
                    event_id, "link to the previous event is broken (event missing or reordered)", "link"
                )
            event = Event(action, object_type, object_id, person_id, details)
            canonical = _canonical(event_id, _iso(occurred_at), label, client, event, _details_json(details))
            if event_id <= switch_id:
                expected = _legacy_digest(prev, canonical)
            else:
                expected = hmac.digest(key, (prev + canonical).encode(), "sha256").hex()
            if expected != digest:
                return broken(
                    event_id,
                    "content does not match its MAC (event altered or chain recomputed without the key)",
                    "altered",
                )
            if event_id == switch_id and digest != switch.head_hash:
                return broken(
                    event_id, "differs from the recorded switch point (SHA-256 part rewritten)", "switch"
                )
            prev = digest
            checked += 1
            last_id = event_id


# --- Anchors: the head of the chain recorded outside the database ---------------------------------------


class AnchorFileError(ValueError):
    """An anchors file that cannot be read or has a malformed line (the line is named)."""


@dataclass
class Anchor:
    line: int
    timestamp: str
    event_id: int
    mac: str


def anchor_line(verified: Verification) -> str:
    """``timestamp event_id head_mac`` for the head that ``verified`` checked (event 0 and the genesis
    value when empty): never a later event that nobody verified."""
    return f"{_iso(timezone.now())} {verified.last_id} {verified.head}"


def anchor_write(path: str | os.PathLike, verified: Verification) -> str:
    """Append the verified head to ``path`` (created if absent) with O_APPEND: earlier lines are never
    rewritten. Returns the line written."""
    line = anchor_line(verified)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return line


def anchors_read(path: str | os.PathLike) -> list[Anchor]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorFileError(f"{path}: cannot be read ({exc})") from exc
    anchors = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.split()
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            raise AnchorFileError(
                f"{path} line {number}: expected 'timestamp event_id head_mac', got {raw!r}"
            )
        try:
            dt.datetime.fromisoformat(parts[0])
            int(parts[2], 16)
        except ValueError:
            raise AnchorFileError(f"{path} line {number}: bad timestamp or MAC in {raw!r}") from None
        anchors.append(Anchor(number, parts[0], int(parts[1]), parts[2]))
    return anchors


def anchors_check(anchors: list[Anchor]) -> list[tuple[int, str]]:
    """(event id, problem) for every anchor the database no longer matches: an anchored event beyond the
    last event or missing (a deleted tail or event), or a different MAC at an anchored id (rewritten)."""
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    wanted = sorted({a.event_id for a in anchors if a.event_id})
    stored: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        stored.update(AuditEvent.objects.filter(id__in=wanted[start : start + 500]).values_list("id", "hash"))
    problems = []
    for anchor in anchors:
        where = f"(anchored at {anchor.timestamp}, line {anchor.line})"
        if anchor.event_id == 0:
            continue
        if anchor.event_id > last_id:
            problems.append(
                (
                    anchor.event_id,
                    f"deleted tail: anchored event {anchor.event_id} is beyond "
                    f"the last event {last_id} {where}",
                )
            )
        elif anchor.event_id not in stored:
            problems.append((anchor.event_id, f"anchored event {anchor.event_id} is missing {where}"))
        elif not hmac.compare_digest(stored[anchor.event_id], anchor.mac):
            problems.append(
                (
                    anchor.event_id,
                    f"chain rewritten: event {anchor.event_id}'s MAC differs from the anchor {where}",
                )
            )
    return problems


def record_refusal(request, *, person_id: int | str | None = None, details: dict | None = None) -> None:
    """A page refused by a capability (``core.capabilities.requires`` / ``refuse``): ``access.denied`` with
    the url name as the page (U11; GB/T 22239-2019 8.1.4.3: "every refused access")."""
    match = getattr(request, "resolver_match", None)
    log_action(
        request.user,
        "access.denied",
        object_type="page",
        object_id=match.url_name if match and match.url_name else request.path[:64],
        person_id=int(person_id) if person_id not in (None, "") else None,
        details=details or None,
    )
