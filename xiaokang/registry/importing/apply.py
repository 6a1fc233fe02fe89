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
import json
from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.utils import timezone

from xiaokang.accounts.actors import Actor
from xiaokang.core import crypto
from xiaokang.core.bulk import fetch_in, insert_rows, reserve_ids, update_rows
from xiaokang.core.models import Area, AreaLevel
from xiaokang.registry.models import (
    Certificate,
    EconomicStatusPeriod,
    Household,
    Person,
    PersonHistory,
)

# The fields of a person's record as history snapshots and change lists name them (import format,
# identifiers for values). Order matters only for readability of stored snapshots.
PERSON_FIELDS = ("name", "hukou", "address", "phone", "street", "community", "household", "relation",
                 "employment", "self_care", "work_injury_care", "status")
HOUSEHOLD_FIELDS = ("economic_status", "family_planning_hardship", "dangerous_house")
CERTIFICATE_FIELDS = ("category", "grade", "components", "certificate_reissue", "certificate_issued")
SNAPSHOT_FIELDS = PERSON_FIELDS + HOUSEHOLD_FIELDS + CERTIFICATE_FIELDS + ("status_changed_on",)

_EXISTING_SQL = """
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
_EXISTING_SCHEMA = {
    "person_id": pl.Int64, "id_index": pl.Utf8, "name_db": pl.Utf8, "hukou_db": pl.Utf8,
    "address_db": pl.Utf8, "phone_index_db": pl.Utf8, "phone_masked_db": pl.Utf8,
    "phone_encrypted_db": pl.Utf8, "street_db": pl.Utf8, "community_db": pl.Utf8, "household_db": pl.Utf8,
    "relation_db": pl.Utf8, "economic_status_db": pl.Utf8, "family_planning_hardship_db": pl.Boolean,
    "dangerous_house_db": pl.Boolean, "employment_db": pl.Utf8, "self_care_db": pl.Boolean,
    "work_injury_care_db": pl.Boolean, "status_db": pl.Utf8, "status_changed_on_db": pl.Utf8,
    "certificate_id": pl.Int64, "category_db": pl.Utf8, "grade_db": pl.Int16, "components_db": pl.Utf8,
    "certificate_reissue_db": pl.Utf8, "certificate_issued_db": pl.Utf8, "household_id_db": pl.Int64,
}


@dataclass
class Plan:
    rows: pl.DataFrame  # validated rows + id_index, phone_index, action ("create" | "update" | "unchanged")
    created: int
    updated: int
    unchanged: int


def _as_text(value) -> str | None:
    return None if value is None else str(value)


def _existing_persons(id_indexes: list[str]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM registry_person")
        registry_size = cursor.fetchone()[0]
    if registry_size == 0:
        return pl.DataFrame(schema=_EXISTING_SCHEMA)
    if len(id_indexes) * 4 >= registry_size:
        with connection.cursor() as cursor:  # most of the registry: one scan beats many IN lists
            cursor.execute(_EXISTING_SQL)
            raw = cursor.fetchall()
    else:
        raw = fetch_in(_EXISTING_SQL + " WHERE p.id_number_index IN ({in_})", id_indexes)
    # Booleans and dates come back as ints/strings on SQLite and as bool/date on PostgreSQL: normalise.
    rows = [
        (*r[:13], bool(r[13]), bool(r[14]), r[15], bool(r[16]), bool(r[17]), r[18], _as_text(r[19]),
         r[20], r[21], r[22], r[23], r[24], _as_text(r[25]), r[26])
        for r in raw
    ]
    return pl.DataFrame(rows, schema=_EXISTING_SCHEMA, orient="row")


def plan(rows: pl.DataFrame) -> Plan:
    """Classify validated rows against the database. Read-only."""
    id_index = crypto.blind_index_many(rows.get_column("id_number").to_list())
    phones = rows.get_column("phone").to_list()
    phone_index = [crypto.blind_index_many([p])[0] if p else "" for p in phones]
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
                Area(code=f"{street_code[:9]}{number:03d}", name=name, level=AreaLevel.COMMUNITY,
                     parent=streets[street_code])
            )
        Area.objects.bulk_create(created)
    return dict(Area.objects.filter(level__in=[AreaLevel.STREET, AreaLevel.COMMUNITY]).values_list("code", "id"))


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


def _write_households(rows: pl.DataFrame, today: dt.date) -> tuple[dict[str, int], list[int]]:
    """Insert new households, update changed ones and their economic-status periods.
    Returns key → id and the ids of households whose fields changed."""
    wanted = rows.select("household", *HOUSEHOLD_FIELDS).unique(subset=["household"], keep="first")
    keys = wanted.get_column("household").to_list()
    existing = {
        key: (hid, status, bool(fph), bool(dangerous))
        for hid, key, status, fph, dangerous in fetch_in(
            "SELECT id, key, economic_status, family_planning_hardship, dangerous_house "
            "FROM registry_household WHERE key IN ({in_})",
            keys,
        )
    }
    now = timezone.now()
    to_insert, to_update, status_changed = [], [], []
    for key, status, fph, dangerous in wanted.iter_rows():
        if key not in existing:
            to_insert.append((key, status, fph, dangerous))
            continue
        hid, old_status, old_fph, old_dangerous = existing[key]
        if (status, fph, dangerous) != (old_status, old_fph, old_dangerous):
            to_update.append((status, fph, dangerous, now, hid))
            if status != old_status:
                status_changed.append((hid, status))
    ids = reserve_ids(Household, len(to_insert))
    insert_rows(
        Household,
        ("id", "key", "economic_status", "family_planning_hardship", "dangerous_house", "created_at", "updated_at"),
        ((i, *row, now, now) for i, row in zip(ids, to_insert, strict=True)),
    )
    update_rows(Household, ("economic_status", "family_planning_hardship", "dangerous_house", "updated_at"), to_update)
    # Economic status with the dates each status held (R3): close the open period, open a new one.
    if status_changed:
        changed_ids = [hid for hid, _ in status_changed]
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
    insert_rows(
        EconomicStatusPeriod,
        ("household_id", "status", "valid_from"),
        [(i, row[1], today) for i, row in zip(ids, to_insert, strict=True)] + [(h, s, today) for h, s in status_changed],
    )
    key_to_id = {key: value[0] for key, value in existing.items()}
    key_to_id.update({row[0]: i for i, row in zip(ids, to_insert, strict=True)})
    return key_to_id, [u[-1] for u in to_update]


def _snapshot_expr() -> pl.Expr:
    return pl.struct(
        *[pl.col(f) for f in ("name", "hukou", "address")],
        pl.col("phone_encrypted").alias("phone"),
        pl.col("street_code").alias("street"),
        pl.col("community_code").alias("community"),
        pl.col("household"),
        *[pl.col(f) for f in ("relation", "employment", "self_care", "work_injury_care", "status")],
        *[pl.col(f) for f in HOUSEHOLD_FIELDS],
        *[pl.col(f) for f in ("category", "grade", "components", "certificate_reissue", "certificate_issued")],
        pl.col("status_changed_on").cast(pl.Utf8),
    ).struct.json_encode()


def apply(plan_: Plan, *, actor: Actor, source: str) -> None:
    """Write the plan. Call inside ``transaction.atomic()``."""
    today = timezone.localdate()
    now = timezone.now()
    rows = plan_.rows.filter(pl.col("action") != "unchanged")
    if not rows.height:
        return
    area_ids = _ensure_communities(rows)
    rows = _community_codes(rows)
    household_ids, changed_households = _write_households(rows, today)

    created = rows.filter(pl.col("action") == "create")
    updated = rows.filter(pl.col("action") == "update")
    person_ids = reserve_ids(Person, created.height)
    created = created.with_columns(pl.Series("person_id", person_ids, dtype=pl.Int64))
    rows = pl.concat([created, updated], how="vertical_relaxed")

    # Encrypt only what is new: ID numbers of created persons, phones that changed.
    phone_changed = pl.col("phone_index") != pl.col("phone_index_db").fill_null("")
    new_ids = rows.select(pl.when(pl.col("action") == "create").then(pl.col("id_number"))).to_series().to_list()
    rows = rows.with_columns(pl.Series("id_number_encrypted", crypto.encrypt_many(new_ids), dtype=pl.Utf8))
    phone_tokens = crypto.encrypt_many(rows.select(pl.when(phone_changed).then(pl.col("phone"))).to_series().to_list())
    rows = rows.with_columns(
        pl.when(phone_changed).then(pl.Series(phone_tokens, dtype=pl.Utf8))
        .otherwise(pl.col("phone_encrypted_db")).alias("phone_encrypted"),
        (pl.col("id_number").str.slice(0, 6) + "********" + pl.col("id_number").str.slice(14, 4)).alias("id_masked"),
        pl.when(pl.col("phone").is_null()).then(pl.lit(""))
        .when(pl.col("phone").str.len_chars() >= 7)
        .then(pl.col("phone").str.slice(0, 3) + pl.lit("*").repeat_by(pl.col("phone").str.len_chars() - 7).list.join("")
              + pl.col("phone").str.slice(-4, 4))
        .otherwise(pl.lit("*").repeat_by(pl.col("phone").str.len_chars()).list.join("")).alias("phone_masked"),
        pl.col("street_code").replace_strict(area_ids, return_dtype=pl.Int64).alias("street_id"),
        pl.col("community_code").replace_strict(area_ids, return_dtype=pl.Int64).alias("community_id"),
        pl.col("household").replace_strict(household_ids, return_dtype=pl.Int64).alias("household_id"),
        # R1: status "with the date it changed".
        pl.when(pl.col("status") == pl.col("status_db")).then(pl.col("status_changed_on_db").str.to_date())
        .when(pl.col("action") == "create").then(
            pl.when(pl.col("status") == "normal").then(None).otherwise(pl.lit(today)))
        .otherwise(pl.lit(today)).alias("status_changed_on"),
    )
    created = rows.filter(pl.col("action") == "create")
    updated = rows.filter(pl.col("action") == "update")

    person_columns = ("name", "hukou", "address", "phone_encrypted", "phone_index", "phone_masked", "street_id",
                      "community_id", "household_id", "relation", "status", "status_changed_on", "employment",
                      "self_care", "work_injury_care")
    insert_rows(
        Person,
        ("id", "id_number_encrypted", "id_number_index", "id_number_masked", "birth_date", "sex", *person_columns,
         "created_at", "updated_at", "version"),
        (
            (*r, now, now, 1)
            for r in created.select("person_id", "id_number_encrypted", "id_index", "id_masked", "birth_date", "sex",
                                    *person_columns).iter_rows()
        ),
    )
    if updated.height:
        update_rows(
            Person,
            (*person_columns, "updated_at"),
            ((*r[:-1], now, r[-1]) for r in updated.select(*person_columns, "person_id").iter_rows()),
        )
        with connection.cursor() as cursor:
            ids = updated.get_column("person_id").to_list()
            for start in range(0, len(ids), 900):
                part = ids[start : start + 900]
                cursor.execute(
                    f"UPDATE registry_person SET version = version + 1 WHERE id IN ({', '.join(['%s'] * len(part))})",  # noqa: S608
                    part,
                )

    _write_certificates(created, updated, now)
    _write_history(rows, actor=actor, source=source, now=now)
    _record_household_changes_for_other_members(
        changed_households, exclude=set(rows.get_column("person_id").to_list()), actor=actor, source=source, now=now
    )


def _write_certificates(created: pl.DataFrame, updated: pl.DataFrame, now) -> None:
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
    if replaced.height:
        # A new number (reissue, re-assessed category or grade) replaces the old certificate, which
        # keeps its history (DOMAIN.md: an expired or replaced certificate is not deleted).
        update_rows(Certificate, ("status",), [("replaced", cid) for cid in
                                               replaced.get_column("certificate_id").drop_nulls().to_list()])
    columns = ("person_id", "category", "grade", "cert_reissue", "components", "issued_on", "valid_until")
    insert_rows(
        Certificate,
        ("person_id", "category", "grade", "reissue", "components", "issued_on", "valid_until", "status", "created_at"),
        ((*r, "active", now) for r in pl.concat([created.select(columns), replaced.select(columns)]).iter_rows()),
    )
    update_rows(
        Certificate,
        ("components", "issued_on", "valid_until"),
        amended.select("components", "issued_on", "valid_until", "certificate_id").iter_rows(),
    )


def _write_history(rows: pl.DataFrame, *, actor: Actor, source: str, now) -> None:
    rows = rows.with_columns(_snapshot_expr().alias("snapshot"))
    actor_id = getattr(actor, "pk", None)
    label = actor.username
    created = rows.filter(pl.col("action") == "create")
    history = [
        (pid, now, actor_id, label, source, "create", "{}", snap)
        for pid, snap in created.select("person_id", "snapshot").iter_rows()
    ]
    updated = rows.filter(pl.col("action") == "update")
    # (history field, column of the new value, column of the old value)
    compare = [(f, f, f"{f}_db") for f in PERSON_FIELDS + HOUSEHOLD_FIELDS + CERTIFICATE_FIELDS
               if f not in ("phone", "street", "community")]
    compare += [("street", "street_code", "street_db"), ("community", "community_code", "community_db"),
                ("phone", "phone_masked", "phone_masked_db")]
    frame = updated.select(
        "person_id", "snapshot", (pl.col("phone_index") != pl.col("phone_index_db").fill_null("")).alias("_phone"),
        *[new for _, new, _ in compare], *[old for _, _, old in compare],
    )
    n = len(compare)
    for row in frame.iter_rows():
        # The phone is compared by its blind index (two numbers can share a mask) and logged masked.
        changes = {
            field: [old or None, new or None] if field == "phone" else [old, new]
            for (field, _, _), new, old in zip(compare, row[3 : 3 + n], row[3 + n :], strict=True)
            if (row[2] if field == "phone" else new != old)
        }
        history.append((row[0], now, actor_id, label, source, "update", json.dumps(changes, ensure_ascii=False), row[1]))
    insert_rows(
        PersonHistory,
        ("person_id", "recorded_at", "actor_id", "actor_label", "source", "action", "changes", "snapshot"),
        history,
        json_columns=("changes", "snapshot"),
    )


def _record_household_changes_for_other_members(household_ids, *, exclude: set[int], actor, source, now) -> None:
    """A household change (e.g. its economic status) changes the record of every member, including
    members not in this file: each gets a history entry built from their latest snapshot."""
    if not household_ids:
        return
    from xiaokang.registry.history import latest_snapshots  # the reader of snapshots lives with history

    rows = fetch_in(
        "SELECT p.id, h.economic_status, h.family_planning_hardship, h.dangerous_house FROM registry_person p "
        "JOIN registry_household h ON h.id = p.household_id WHERE p.household_id IN ({in_})",
        household_ids,
    )
    rows = [r for r in rows if r[0] not in exclude]
    if not rows:
        return
    snapshots = latest_snapshots([r[0] for r in rows])
    history = []
    for pid, status, fph, dangerous in rows:
        snap = dict(snapshots.get(pid, {}))
        new = {"economic_status": status, "family_planning_hardship": bool(fph), "dangerous_house": bool(dangerous)}
        changes = {k: [snap.get(k), v] for k, v in new.items() if snap.get(k) != v}
        if not changes:
            continue
        snap.update(new)
        history.append((pid, now, getattr(actor, "pk", None), actor.username, source, "update",
                         json.dumps(changes, ensure_ascii=False), json.dumps(snap, ensure_ascii=False)))
    insert_rows(
        PersonHistory,
        ("person_id", "recorded_at", "actor_id", "actor_label", "source", "action", "changes", "snapshot"),
        history,
        json_columns=("changes", "snapshot"),
    )
