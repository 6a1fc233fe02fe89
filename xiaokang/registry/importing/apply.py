"""Writing validated person rows to the registry, set-based (ARCHITECTURE rule 6; R5, R6).

``plan`` compares the rows with what the database holds (matched by the ID number's blind index) and
classifies each row as created, updated or unchanged; ``apply`` writes the plan in bulk: communities,
households and their economic-status periods, persons, certificates and one history entry per changed
person. Both run inside the caller's transaction, so a failure leaves nothing behind.

The same path serves the file import, single-record forms (a one-row frame) and the synthetic seed,
so every write obeys the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.utils import timezone

from xiaokang.accounts.actors import Actor
from xiaokang.audit.services import canonical_json, log_events_frame
from xiaokang.core import crypto
from xiaokang.core.bulk import fetch_in, insert_frame, reserve_ids, update_frame
from xiaokang.core.models import Area, AreaLevel
from xiaokang.registry.history import CERTIFICATE_FIELDS, HOUSEHOLD_FIELDS, PERSON_FIELDS, RECORD_SQL
from xiaokang.registry.models import (
    Certificate,
    EconomicStatusPeriod,
    Household,
    Person,
    PersonHistory,
)

_EXISTING_SCHEMA = {
    "person_id": pl.Int64,
    "id_index": pl.Utf8,
    "name_db": pl.Utf8,
    "hukou_db": pl.Utf8,
    "address_db": pl.Utf8,
    "phone_index_db": pl.Utf8,
    "phone_masked_db": pl.Utf8,
    "phone_encrypted_db": pl.Utf8,
    "street_db": pl.Utf8,
    "community_db": pl.Utf8,
    "household_db": pl.Utf8,
    "relation_db": pl.Utf8,
    "economic_status_db": pl.Utf8,
    "family_planning_hardship_db": pl.Boolean,
    "dangerous_house_db": pl.Boolean,
    "employment_db": pl.Utf8,
    "self_care_db": pl.Boolean,
    "work_injury_care_db": pl.Boolean,
    "status_db": pl.Utf8,
    "status_changed_on_db": pl.Utf8,
    "certificate_id": pl.Int64,
    "category_db": pl.Utf8,
    "grade_db": pl.Int16,
    "components_db": pl.Utf8,
    "certificate_reissue_db": pl.Utf8,
    "certificate_issued_db": pl.Utf8,
    "household_id_db": pl.Int64,
}


@dataclass
class Plan:
    rows: pl.DataFrame  # validated rows + id_index, phone_index, action ("create" | "update" | "unchanged")
    created: int
    updated: int
    unchanged: int


def _as_text(value) -> str | None:
    return None if value is None else str(value)


def _fetch_by_keys(select_sql: str, key_column: str, keys: list, *, table: str) -> list[tuple]:
    """Rows of ``select_sql`` whose ``key_column`` is in ``keys``: nothing to ask of an empty table, one
    scan when the keys cover a good part of it, chunked IN lists otherwise."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (a constant table name)
        size = cursor.fetchone()[0]
    if size == 0 or not keys:
        return []
    if len(keys) * 4 >= size:
        with connection.cursor() as cursor:
            cursor.execute(select_sql)
            return cursor.fetchall()
    return fetch_in(select_sql + f" WHERE {key_column} IN ({{in_}})", keys)


def _existing_persons(id_indexes: list[str]) -> pl.DataFrame:
    raw = _fetch_by_keys(RECORD_SQL, "p.id_number_index", id_indexes, table="registry_person")
    # Booleans and dates come back as ints/strings on SQLite and as bool/date on PostgreSQL: normalise.
    rows = [
        (
            *r[:13],
            bool(r[13]),
            bool(r[14]),
            r[15],
            bool(r[16]),
            bool(r[17]),
            r[18],
            _as_text(r[19]),
            r[20],
            r[21],
            r[22],
            r[23],
            r[24],
            _as_text(r[25]),
            r[26],
        )
        for r in raw
    ]
    return pl.DataFrame(rows, schema=_EXISTING_SCHEMA, orient="row")


def plan(rows: pl.DataFrame) -> Plan:
    """Classify validated rows against the database. Read-only."""
    id_index = crypto.blind_index_many(rows.get_column("id_number").to_list())
    phones = rows.get_column("phone").fill_null("").to_list()
    phone_index = [
        index if phone else "" for phone, index in zip(phones, crypto.blind_index_many(phones), strict=True)
    ]
    rows = rows.with_columns(
        pl.Series("id_index", id_index, dtype=pl.Utf8),
        pl.Series("phone_index", phone_index, dtype=pl.Utf8),
        pl.col("issued_on").cast(pl.Utf8).alias("certificate_issued"),
        pl.col("cert_reissue").alias("certificate_reissue"),
    )
    existing = _existing_persons(id_index)
    rows = rows.join(existing, on="id_index", how="left", maintain_order="left")
    same = [
        pl.col("name") == pl.col("name_db"),
        pl.col("hukou") == pl.col("hukou_db"),
        pl.col("address") == pl.col("address_db"),
        pl.col("phone_index") == pl.col("phone_index_db"),
        pl.col("street_code") == pl.col("street_db"),
        pl.col("community_code").fill_null("") == pl.col("community_db"),
        pl.col("household") == pl.col("household_db"),
        pl.col("relation") == pl.col("relation_db"),
        pl.col("economic_status") == pl.col("economic_status_db"),
        pl.col("family_planning_hardship") == pl.col("family_planning_hardship_db"),
        pl.col("dangerous_house") == pl.col("dangerous_house_db"),
        pl.col("employment") == pl.col("employment_db"),
        pl.col("self_care") == pl.col("self_care_db"),
        pl.col("work_injury_care") == pl.col("work_injury_care_db"),
        pl.col("status") == pl.col("status_db"),
        pl.col("category") == pl.col("category_db"),
        pl.col("grade") == pl.col("grade_db"),
        pl.col("components") == pl.col("components_db"),
        pl.col("certificate_reissue") == pl.col("certificate_reissue_db"),
        pl.col("certificate_issued") == pl.col("certificate_issued_db"),
    ]
    rows = rows.with_columns(
        pl.when(pl.col("person_id").is_null())
        .then(pl.lit("create"))
        .when(pl.all_horizontal([s.fill_null(False) for s in same]))
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("update"))
        .alias("action")
    )
    counts = dict(rows.group_by("action").len().iter_rows())
    return Plan(rows, counts.get("create", 0), counts.get("update", 0), counts.get("unchanged", 0))


def _ensure_communities(rows: pl.DataFrame) -> dict[str, int]:
    """Create communities named in the file but not yet known (under their street, next free code);
    return code → id for every community the rows use."""
    new = (
        rows.filter(pl.col("community_code").is_null())
        .select("street_code", "community_name")
        .unique()
        .sort(["street_code", "community_name"])
    )
    streets = {a.code: a for a in Area.objects.filter(level=AreaLevel.STREET)}
    if new.height:
        taken: dict[str, int] = {}
        for code in Area.objects.filter(level=AreaLevel.COMMUNITY).values_list("code", flat=True):
            taken[code[:9]] = max(taken.get(code[:9], 0), int(code[9:]))
        created = []
        for street_code, name in new.iter_rows():
            number = taken.get(street_code[:9], 0) + 1
            if number > 999:
                raise ValueError(f"street {street_code} has no free community code left")
            taken[street_code[:9]] = number
            created.append(
                Area(
                    code=f"{street_code[:9]}{number:03d}",
                    name=name,
                    level=AreaLevel.COMMUNITY,
                    parent=streets[street_code],
                )
            )
        Area.objects.bulk_create(created)
    return dict(
        Area.objects.filter(level__in=[AreaLevel.STREET, AreaLevel.COMMUNITY]).values_list("code", "id")
    )


def _community_codes(rows: pl.DataFrame) -> pl.DataFrame:
    lookup = {
        (parent_code, name): code
        for code, name, parent_code in Area.objects.filter(level=AreaLevel.COMMUNITY).values_list(
            "code", "name", "parent__code"
        )
    }
    missing = rows.filter(pl.col("community_code").is_null())
    if not missing.height:
        return rows
    resolved = [lookup[(s, n)] for s, n in missing.select("street_code", "community_name").iter_rows()]
    fill = missing.select("row").with_columns(pl.Series("_resolved", resolved, dtype=pl.Utf8))
    return (
        rows.join(fill, on="row", how="left", maintain_order="left")
        .with_columns(pl.coalesce("community_code", "_resolved").alias("community_code"))
        .drop("_resolved")
    )


def _write_households(
    rows: pl.DataFrame, today: dt.date, now: dt.datetime
) -> tuple[dict[str, int], pl.DataFrame]:
    """Insert new households, update changed ones and their economic-status periods.
    Returns key → id and the changed households (id, new values, old values as ``*_db``)."""
    # Households in the order their persons will be numbered (by community), so that the person table's
    # household index grows by appending.
    wanted = (
        rows.sort("street_code", "community_code", "household", maintain_order=True)
        .select("household", *HOUSEHOLD_FIELDS)
        .unique(subset=["household"], keep="first", maintain_order=True)
    )
    existing = pl.DataFrame(
        [
            (h, k, s, bool(f), bool(d))
            for h, k, s, f, d in _fetch_by_keys(
                "SELECT id, key, economic_status, family_planning_hardship, dangerous_house "
                "FROM registry_household",
                "key",
                wanted.get_column("household").to_list(),
                table="registry_household",
            )
        ],
        schema={
            "id": pl.Int64,
            "household": pl.Utf8,
            "economic_status_db": pl.Utf8,
            "family_planning_hardship_db": pl.Boolean,
            "dangerous_house_db": pl.Boolean,
        },
        orient="row",
    )
    wanted = wanted.join(existing, on="household", how="left", maintain_order="left")
    new = wanted.filter(pl.col("id").is_null())
    new = new.with_columns(pl.Series("id", reserve_ids(Household, new.height), dtype=pl.Int64))
    changed = wanted.filter(
        pl.col("id").is_not_null()
        & pl.any_horizontal([pl.col(f) != pl.col(f"{f}_db") for f in HOUSEHOLD_FIELDS])
    )
    status_changed = changed.filter(pl.col("economic_status") != pl.col("economic_status_db"))
    insert_frame(
        Household,
        new.select("id", pl.col("household").alias("key"), *HOUSEHOLD_FIELDS),
        constants={"created_at": now, "updated_at": now},
    )
    update_frame(Household, changed.select("id", *HOUSEHOLD_FIELDS), constants={"updated_at": now})
    # Economic status with the dates each status held (R3): close the open period, open a new one.
    changed_ids = status_changed.get_column("id").to_list()
    with connection.cursor() as cursor:
        for start in range(0, len(changed_ids), 900):
            part = changed_ids[start : start + 900]
            marks = ", ".join(["%s"] * len(part))
            # A status corrected on the day it was set replaces that day's period.
            cursor.execute(
                f"DELETE FROM registry_economicstatusperiod WHERE valid_to IS NULL AND valid_from >= %s "  # noqa: S608
                f"AND household_id IN ({marks})",
                [today, *part],
            )
            cursor.execute(
                f"UPDATE registry_economicstatusperiod SET valid_to = %s WHERE valid_to IS NULL "  # noqa: S608
                f"AND household_id IN ({marks})",
                [today - dt.timedelta(days=1), *part],
            )
    insert_frame(
        EconomicStatusPeriod,
        pl.concat(
            [new.select("id", "economic_status"), status_changed.select("id", "economic_status")]
        ).select(pl.col("id").alias("household_id"), pl.col("economic_status").alias("status")),
        constants={"valid_from": today.isoformat()},
    )
    key_to_id = dict(
        pl.concat([existing.select("household", "id"), new.select("household", "id")]).iter_rows()
    )
    return key_to_id, changed


_STARS = pl.lit("*" * 20)  # phone numbers are at most 20 digits (validate.py)
PERSON_COLUMNS = (
    "name",
    "hukou",
    "address",
    "phone_encrypted",
    "phone_index",
    "phone_masked",
    "street_id",
    "community_id",
    "household_id",
    "relation",
    "status",
    "status_changed_on",
    "employment",
    "self_care",
    "work_injury_care",
)


def apply(plan_: Plan, *, actor: Actor, source: str) -> None:
    """Write the plan. Call inside ``transaction.atomic()``."""
    today = timezone.localdate()
    now = timezone.now()
    rows = plan_.rows.filter(pl.col("action") != "unchanged")
    if not rows.height:
        return
    area_ids = _ensure_communities(rows)
    rows = _community_codes(rows)
    household_ids, changed_households = _write_households(rows, today, now)

    # New persons are numbered by street, community and household, so the primary key and the area and
    # household indexes grow by appending instead of taking random B-tree inserts.
    created = rows.filter(pl.col("action") == "create").sort("street_code", "community_code", "household")
    updated = rows.filter(pl.col("action") == "update")
    created = created.with_columns(
        pl.Series("person_id", reserve_ids(Person, created.height), dtype=pl.Int64)
    )
    rows = pl.concat([created, updated], how="vertical_relaxed")

    # Encrypt only what is new: ID numbers of created persons, phones that changed.
    phone_changed = pl.col("phone_index") != pl.col("phone_index_db").fill_null("")
    new_ids = (
        rows.select(pl.when(pl.col("action") == "create").then(pl.col("id_number"))).to_series().to_list()
    )
    new_phones = rows.select(pl.when(phone_changed).then(pl.col("phone"))).to_series().to_list()
    rows = rows.with_columns(
        pl.Series("id_number_encrypted", crypto.encrypt_many(new_ids), dtype=pl.Utf8),
        pl.Series("_phone_token", crypto.encrypt_many(new_phones), dtype=pl.Utf8),
    )
    phone_length = pl.col("phone").str.len_chars()
    rows = rows.with_columns(
        pl.when(phone_changed)
        .then(pl.col("_phone_token"))
        .otherwise(pl.col("phone_encrypted_db"))
        .alias("phone_encrypted"),
        (pl.col("id_number").str.slice(0, 6) + "********" + pl.col("id_number").str.slice(14, 4)).alias(
            "id_masked"
        ),
        # core.crypto.mask_phone, column-wise (same parts as crypto.phone_mask_parts).
        pl.when(pl.col("phone").is_null())
        .then(pl.lit(""))
        .when(phone_length >= 11)
        .then(
            pl.col("phone").str.slice(0, 3)
            + _STARS.str.slice(0, phone_length - 7)
            + pl.col("phone").str.slice(-4)
        )
        .when(phone_length >= 8)
        .then(_STARS.str.slice(0, phone_length - 4) + pl.col("phone").str.slice(-4))
        .otherwise(
            _STARS.str.slice(0, phone_length - phone_length // 3)
            + pl.col("phone").str.slice(phone_length - phone_length // 3)
        )
        .alias("phone_masked"),
        pl.col("street_code").replace_strict(area_ids, return_dtype=pl.Int64).alias("street_id"),
        pl.col("community_code").replace_strict(area_ids, return_dtype=pl.Int64).alias("community_id"),
        pl.col("household").replace_strict(household_ids, return_dtype=pl.Int64).alias("household_id"),
        # R1: status "with the date it changed".
        pl.when(pl.col("status") == pl.col("status_db"))
        .then(pl.col("status_changed_on_db").str.to_date())
        .when(pl.col("action") == "create")
        .then(pl.when(pl.col("status") == "normal").then(None).otherwise(pl.lit(today)))
        .otherwise(pl.lit(today))
        .alias("status_changed_on"),
    )
    created = rows.filter(pl.col("action") == "create")
    updated = rows.filter(pl.col("action") == "update")

    insert_frame(
        Person,
        created.select(
            pl.col("person_id").alias("id"),
            "id_number_encrypted",
            pl.col("id_index").alias("id_number_index"),
            pl.col("id_masked").alias("id_number_masked"),
            "birth_date",
            "sex",
            *PERSON_COLUMNS,
        ),
        constants={"created_at": now, "updated_at": now, "version": 1},
    )
    update_frame(
        Person,
        updated.select(pl.col("person_id").alias("id"), *PERSON_COLUMNS),
        constants={"updated_at": now},
        increment=["version"],
    )
    _write_certificates(created, updated, now)
    _write_history(rows, actor=actor, source=source, now=now)
    _record_household_changes_for_other_members(
        changed_households, exclude=rows.get_column("person_id"), actor=actor, source=source, now=now
    )


def _write_certificates(created: pl.DataFrame, updated: pl.DataFrame, now: dt.datetime) -> None:
    number_changed = (
        (pl.col("category") != pl.col("category_db"))
        | (pl.col("grade") != pl.col("grade_db"))
        | (pl.col("certificate_reissue") != pl.col("certificate_reissue_db"))
    ).fill_null(True)
    details_changed = (
        (pl.col("components") != pl.col("components_db"))
        | (pl.col("certificate_issued") != pl.col("certificate_issued_db"))
    ).fill_null(True)
    replaced = updated.filter(number_changed)
    amended = updated.filter(~number_changed & details_changed)
    # A new number (reissue, re-assessed category or grade) replaces the old certificate, which keeps its
    # history (DOMAIN.md: an expired or replaced certificate is not deleted).
    update_frame(
        Certificate,
        replaced.filter(pl.col("certificate_id").is_not_null()).select(
            pl.col("certificate_id").alias("id"), pl.lit("replaced").alias("status")
        ),
    )
    columns = (
        "person_id",
        "category",
        "grade",
        pl.col("cert_reissue").alias("reissue"),
        "components",
        "issued_on",
        "valid_until",
    )
    insert_frame(
        Certificate,
        pl.concat([created.select(columns), replaced.select(columns)]),
        constants={"status": "active", "created_at": now},
    )
    update_frame(
        Certificate,
        amended.select(pl.col("certificate_id").alias("id"), "components", "issued_on", "valid_until"),
    )


def _history_frame(
    rows: list[tuple], *, actor: Actor, source: str, now: dt.datetime
) -> tuple[pl.DataFrame, dict]:
    frame = pl.DataFrame(
        rows, schema={"person_id": pl.Int64, "action": pl.Utf8, "changes": pl.Utf8}, orient="row"
    )
    constants = {
        "recorded_at": now,
        "actor_id": getattr(actor, "pk", None),
        "actor_label": actor.username,
        "source": source,
    }
    return frame, constants


def _write_history(rows: pl.DataFrame, *, actor: Actor, source: str, now: dt.datetime) -> None:
    """One entry per created or changed person; an update lists each changed field as [old, new]."""
    created = rows.filter(pl.col("action") == "create").select(
        "person_id", "action", pl.lit("{}").alias("changes")
    )
    updated = rows.filter(pl.col("action") == "update").with_columns(
        pl.col("status_changed_on").cast(pl.Utf8).alias("_status_changed_on")
    )
    # (history field, column of the new value, column of the old value)
    compare = [
        (f, f, f"{f}_db")
        for f in PERSON_FIELDS + HOUSEHOLD_FIELDS + CERTIFICATE_FIELDS
        if f not in ("phone", "street", "community")
    ]
    compare += [
        ("street", "street_code", "street_db"),
        ("community", "community_code", "community_db"),
        ("phone", "phone_masked", "phone_masked_db"),
        ("status_changed_on", "_status_changed_on", "status_changed_on_db"),
    ]
    frame = updated.select(
        "person_id",
        (pl.col("phone_index") != pl.col("phone_index_db").fill_null("")).alias("_phone"),
        *[new for _, new, _ in compare],
        *[old for _, _, old in compare],
    )
    n = len(compare)
    history = []
    for row in frame.iter_rows():
        # The phone is compared by its blind index (two numbers can share a mask) and logged masked.
        changes = {
            field: [old or None, new or None] if field == "phone" else [old, new]
            for (field, _, _), new, old in zip(compare, row[2 : 2 + n], row[2 + n :], strict=True)
            if (row[1] if field == "phone" else new != old)
        }
        history.append((row[0], "update", canonical_json(changes)))
    updates, constants = _history_frame(history, actor=actor, source=source, now=now)
    entries = pl.concat([created, updates])
    insert_frame(PersonHistory, entries, constants=constants)
    _audit(entries, actor=actor, source=source)


def _audit(entries: pl.DataFrame, *, actor: Actor, source: str) -> None:
    """The audit trail records every write with its old and new values (U11; GB/T 22239-2019 8.1.4.3), in this
    transaction: one event per person, built column-wise (the history's change text is already canonical
    JSON)."""
    source_json = canonical_json(source)
    log_events_frame(
        actor,
        entries.select(
            pl.lit("person.").add(pl.col("action")).alias("action"),
            pl.lit("person").alias("object_type"),
            pl.col("person_id").cast(pl.Utf8).alias("object_id"),
            pl.col("person_id"),
            pl.when(pl.col("action") == "update")
            .then(pl.lit('{"changes":') + pl.col("changes") + pl.lit(',"source":' + source_json + "}"))
            .otherwise(pl.lit('{"source":' + source_json + "}"))
            .alias("details"),
        ),
    )


def _record_household_changes_for_other_members(
    changed: pl.DataFrame, *, exclude: pl.Series, actor, source, now
) -> None:
    """A household change (e.g. its economic status) changes the record of every member, including
    members not in this file: each of them gets a history entry with the household's old and new values."""
    if not changed.height:
        return
    members = pl.DataFrame(
        fetch_in(
            "SELECT id, household_id FROM registry_person WHERE household_id IN ({in_})",
            changed.get_column("id").to_list(),
        ),
        schema={"person_id": pl.Int64, "id": pl.Int64},
        orient="row",
    ).filter(~pl.col("person_id").is_in(exclude.implode()))
    members = members.join(changed, on="id")
    history = []
    for row in members.select(
        "person_id", *HOUSEHOLD_FIELDS, *[f"{f}_db" for f in HOUSEHOLD_FIELDS]
    ).iter_rows():
        news, olds = row[1 : 1 + len(HOUSEHOLD_FIELDS)], row[1 + len(HOUSEHOLD_FIELDS) :]
        changes = {
            f: [old, new] for f, new, old in zip(HOUSEHOLD_FIELDS, news, olds, strict=True) if new != old
        }
        history.append((row[0], "update", canonical_json(changes)))
    frame, constants = _history_frame(history, actor=actor, source=source, now=now)
    insert_frame(PersonHistory, frame, constants=constants)
    _audit(frame, actor=actor, source=source)
