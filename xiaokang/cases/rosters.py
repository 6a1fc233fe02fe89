"""Monthly payment rosters (发放名册, S5).

A roster for policy P and month M lists every enrolment active in M (started on or before M, not
suspended or terminated) and decides each person with the policy engine on M's first day, inside the
database (the same compiled SQL as `xiaokang evaluate`): a person who qualifies is paid the amount the
rules give that day; one who does not (deceased, moved out, certificate expired …) is held, with the
failed conditions. A draft can be rebuilt; an approved roster is locked, and the database refuses a
person paid twice for one policy and month.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from xiaokang.accounts.actors import Actor, actor_label, scope_of
from xiaokang.audit.services import log_action
from xiaokang.cases.models import Enrolment, Roster, RosterLine
from xiaokang.core import crypto, xlsx
from xiaokang.core.capabilities import can
from xiaokang.core.errors import FieldError, ServiceError
from xiaokang.core.money import yuan_text
from xiaokang.core.safe_text import spreadsheet_safe
from xiaokang.policies import evaluation
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.exporting import atomic_path
from xiaokang.registry.models import Person


class RosterError(ServiceError):
    """A roster step refused in this state (or to this role); "中文 / English"."""

    def __init__(self, message: str, field: str = "", kind: str = "illegal"):
        super().__init__(kind, [FieldError(field, message)])


@dataclass
class RosterSummary:
    roster: Roster
    paid: int = 0
    held: int = 0
    total_fen: int = 0
    by_street: list[dict] = field(default_factory=list)  # street, paid, held, total_fen


def cash_policy_ids() -> list[str]:
    return [policy.id for policy in policies().values() if policy.entity == "person" and policy.is_cash]


def _source_of_enrolled(policy_id: str, month: dt.date, actor: Actor) -> str:
    """The registry source restricted to the persons with an enrolment of ``policy_id`` active in
    ``month`` (sql.SOURCE_COLUMNS)."""
    enrolments = Enrolment._meta.db_table
    base = evaluation.registry_source(actor)
    month_text = month.isoformat()
    return (
        f"SELECT * FROM ({base}) s WHERE s.person_id IN (SELECT person_id FROM {enrolments} "
        f"WHERE policy_id = '{policy_id}' AND status = 'active' AND start_month <= '{month_text}')"
    )


def roster_build(*, actor: Actor, policy_id: str, month: dt.date) -> RosterSummary:
    """(Re)build the draft roster of ``policy_id`` for ``month`` (its first day). Refused for an approved
    month. ``policy_id`` comes from the policy files (checked), ``month`` is a date: both are safe to
    write into the statement."""
    if not can(actor, "roster.build"):
        # A roster is the district's: a scoped actor would rebuild it with their own area only.
        raise RosterError("只有区级工作人员可以生成名册 / only district staff build rosters")
    if policy_id not in cash_policy_ids():
        raise RosterError(f"“{policy_id}”不是现金待遇 / {policy_id!r} is not a cash policy")
    month = month.replace(day=1)
    with evaluation.temporary_tables_on_disk(), transaction.atomic():
        roster = Roster.objects.select_for_update().filter(policy_id=policy_id, month=month).first()
        if roster is not None and roster.approved:
            raise RosterError(
                f"{policy_id} {month:%Y-%m} 的名册已审批，不能重新生成 / the roster of {policy_id} for "
                f"{month:%Y-%m} is approved and cannot be rebuilt"
            )
        if roster is None:
            roster = Roster.objects.create(
                policy_id=policy_id, month=month, built_at=timezone.now(), built_by_label=actor_label(actor)
            )
        else:
            roster.lines.all().delete()
            roster.built_at = timezone.now()
            roster.built_by_label = actor_label(actor)
            roster.save(update_fields=["built_at", "built_by_label"])
        policy = policies()[policy_id]
        lines, enrolments = RosterLine._meta.db_table, Enrolment._meta.db_table
        person = Person._meta.db_table
        with connection.cursor() as cursor:
            evaluation.build_facts(cursor, _source_of_enrolled(policy_id, month, actor), month)
            decisions = evaluation.decisions(cursor, policy, policy.parameters_on(month))
            cursor.execute(
                f"""
                INSERT INTO {lines} (roster_id, enrolment_id, person_id, policy_id, month, paid, amount_fen,
                    failed, street_id, community_id, approved)
                SELECT {roster.pk}, e.id, d.person_id, '{policy_id}', '{month.isoformat()}', d.eligible,
                    d.amount_fen, d.failed, p.street_id, p.community_id, FALSE
                FROM ({decisions}) d
                JOIN {enrolments} e ON e.person_id = d.person_id AND e.policy_id = '{policy_id}'
                    AND e.status = 'active'
                JOIN {person} p ON p.id = d.person_id"""
            )
            evaluation.drop_facts(cursor)
            _add_arrears(cursor, roster, policy, actor)
        log_action(
            actor,
            "roster.build",
            object_type="roster",
            object_id=f"{policy_id}:{month:%Y-%m}",
            details={"lines": roster.lines.count()},
        )
    return summarise(roster)


def _arrears_from() -> str:
    """The first month an enrolment may be paid arrears (补发) for: its start for one that came from an
    application (the months between its start and its first roster, S5); for one imported from
    the legacy system (which paid the months before), its first approved roster month here, so only the
    months it missed since (a suspension, then reinstatement) are paid again."""
    lines = RosterLine._meta.db_table
    return (
        "CASE WHEN e.application_id IS NOT NULL THEN e.start_month ELSE "
        f"(SELECT MIN(l.month) FROM {lines} l WHERE l.enrolment_id = e.id AND l.approved) END"
    )


def _unpaid(policy_id: str, missed: dt.date) -> str:
    """The active enrolments of ``policy_id`` owed ``missed`` (a month's first day): due from then, and
    not on an approved roster as paid for it. Dates and ids are literals from checked values."""
    day = f"'{missed.isoformat()}'"
    return f"""
        SELECT e.id AS enrolment_id, e.person_id AS person_id FROM {Enrolment._meta.db_table} e
        WHERE e.policy_id = '{policy_id}' AND e.status = 'active'
          AND ({_arrears_from()}) <= {day} AND e.start_month <= {day}
          AND NOT EXISTS (SELECT 1 FROM {RosterLine._meta.db_table} l WHERE l.person_id = e.person_id
              AND l.policy_id = e.policy_id AND l.month = {day} AND l.approved AND l.paid)"""


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _add_arrears(cursor, roster: Roster, policy, actor: Actor) -> None:
    """Lines for the earlier months an active enrolment was not paid, each decided with the rules and
    data on that month's first day; only the months the person qualified are paid. The database's unique
    index over approved paid lines keeps a month from being paid twice."""
    lines, person = RosterLine._meta.db_table, Person._meta.db_table
    policy_id = roster.policy_id
    cursor.execute(
        f"SELECT MIN({_arrears_from()}) FROM {Enrolment._meta.db_table} e "
        "WHERE e.policy_id = %s AND e.status = 'active'",
        [policy_id],
    )
    earliest = cursor.fetchone()[0]
    if earliest is None:
        return
    if isinstance(earliest, str):  # SQLite gives dates as text
        earliest = dt.date.fromisoformat(earliest)
    for missed in _months_between(earliest, roster.month - dt.timedelta(days=1)):
        unpaid = _unpaid(policy_id, missed)
        cursor.execute(f"SELECT COUNT(*) FROM ({unpaid}) u")
        if not cursor.fetchone()[0]:
            continue
        source = (
            f"SELECT * FROM ({evaluation.registry_source(actor)}) s "
            f"WHERE s.person_id IN (SELECT person_id FROM ({unpaid}) u)"
        )
        evaluation.build_facts(cursor, source, missed)
        decisions = evaluation.decisions(cursor, policy, policy.parameters_on(missed))
        cursor.execute(
            f"""
            INSERT INTO {lines} (roster_id, enrolment_id, person_id, policy_id, month, paid, amount_fen,
                failed, street_id, community_id, approved)
            SELECT {roster.pk}, u.enrolment_id, d.person_id, '{policy_id}', '{missed.isoformat()}',
                d.eligible, d.amount_fen, d.failed, p.street_id, p.community_id, FALSE
            FROM ({decisions}) d
            JOIN ({unpaid}) u ON u.person_id = d.person_id
            JOIN {person} p ON p.id = d.person_id
            WHERE d.eligible"""
        )
        evaluation.drop_facts(cursor)


def summarise(roster: Roster, actor: Actor | None = None) -> RosterSummary:
    """Totals per street, counted in the database (one row per street, whatever the roster's size): the
    whole roster, or the part of it in ``actor``'s area (district staff: the whole roster; a street
    officer: their own street)."""
    summary = RosterSummary(roster)
    lines = roster.lines.all()
    if actor is not None and scope_of(actor).kind != "all":
        lines = RosterLine.objects.for_actor(actor).filter(roster=roster)
    rows = (
        lines.values("street__code", "street__name")
        .annotate(
            paid_count=Count("id", filter=Q(paid=True)),
            held_count=Count("id", filter=Q(paid=False)),
            paid_fen=Sum("amount_fen", filter=Q(paid=True)),
        )
        .order_by("street__code")
    )
    for row in rows:
        total = row["paid_fen"] or 0
        summary.by_street.append(
            {
                "street": row["street__name"],
                "paid": row["paid_count"],
                "held": row["held_count"],
                "total_fen": total,
            }
        )
        summary.paid += row["paid_count"]
        summary.held += row["held_count"]
        summary.total_fen += total
    return summary


def held_lines(roster: Roster, actor: Actor, limit: int) -> list[RosterLine]:
    """The first ``limit`` held lines of ``roster`` in the actor's area, with their person and community."""
    lines = (
        RosterLine.objects.for_actor(actor)
        .filter(roster=roster, paid=False)
        .select_related("person", "community")
        .order_by("street__code", "community__code", "person__name", "pk")
    )
    return list(lines[:limit])


def rosters_of(month: dt.date, policy_ids: list[str]) -> dict[str, Roster]:
    """The rosters of ``month`` for ``policy_ids``, by policy (a policy without one is absent)."""
    rosters = Roster.objects.filter(month=month, policy_id__in=policy_ids).select_related("approved_by")
    return {roster.policy_id: roster for roster in rosters}


def roster_or_404(roster_id: int) -> Roster:
    """A roster by id (a roster is the district's: no area scope), or Http404."""
    roster = Roster.objects.filter(pk=roster_id).first()
    if roster is None:
        raise Http404("no such roster")
    return roster


def roster_approve(*, actor: Actor, roster: Roster, built_at=None) -> Roster:
    """A district officer approves a draft: it is locked, its paid lines count as paid. ``built_at``: the
    build the officer looked at; a draft rebuilt since is not approved."""
    if not can(actor, "roster.approve"):
        raise RosterError("只有区级工作人员可以审批名册 / only district staff approve rosters")
    with transaction.atomic():
        locked = Roster.objects.select_for_update().get(pk=roster.pk)
        if locked.approved:
            raise RosterError("名册已审批 / the roster is already approved")
        if built_at is not None and locked.built_at != built_at:
            raise RosterError(
                "名册已重新生成，请核对后再审批 / the draft was rebuilt since you read it: check it again"
            )
        try:
            with transaction.atomic():
                locked.lines.filter(paid=True).update(approved=True)
        except IntegrityError:
            raise RosterError(
                "名册中有人员已在本月同一待遇的已审批名册中 / "
                "someone on this roster is already on an approved roster for this policy and month"
            ) from None
        locked.approved_at = timezone.now()
        locked.approved_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["approved_at", "approved_by"])
        log_action(
            actor,
            "roster.approve",
            object_type="roster",
            object_id=f"{locked.policy_id}:{locked.month:%Y-%m}",
            details={"paid": locked.lines.filter(paid=True).count()},
        )
    return locked


ROSTER_COLUMNS = ("id_number", "name", "street_code", "community", "policy", "month", "amount")
HELD_COLUMNS = ("id_number", "name", "street_code", "community", "policy", "month", "failed_conditions")
CHUNK = 1000


def roster_rows(rosters: list[Roster], *, paid: bool, full: bool) -> Iterator[tuple]:
    """The paid (or held) lines of ``rosters`` in the export format, one at a time (memory does not grow
    with the roster); ID numbers in clear only when ``full``."""
    lines = (
        RosterLine.objects.unscoped(reason="roster export: the rosters the caller chose")
        .filter(roster__in=rosters, paid=paid)
        .order_by("policy_id", "street__code", "community__code", "person_id")
        .values_list(
            "person__id_number_encrypted",
            "person__id_number_masked",
            "person__name",
            "street__code",
            "community__name",
            "policy_id",
            "month",
            "amount_fen",
            "failed",
        )
    )
    # Plain tuples, not model instances: iterating select_related instances held memory per row.
    for encrypted, masked, name, street, community, policy_id, month, amount_fen, failed in lines.iterator(
        chunk_size=CHUNK
    ):
        id_number = crypto.decrypt(encrypted) if full else masked
        last = yuan_text(amount_fen, grouping=False) if paid else failed
        yield (id_number, name, street[:9], community, policy_id, f"{month:%Y-%m}", last)


def write_csv_rows(path: str | os.PathLike, header: tuple[str, ...], rows: Iterator[tuple]) -> int:
    """UTF-8 with a byte-order mark (how Excel recognises UTF-8), written beside ``path`` and moved in. A
    text cell that a spreadsheet would run as a formula (a name such as ``=HYPERLINK(…)`` that reached the
    database some other way) is written quoted with an apostrophe (core.safe_text.spreadsheet_safe, U11)."""
    count = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row])
            count += 1
    return count


def _write_xlsx(
    path: str | os.PathLike, sheets: list[tuple[str, tuple[str, ...], Iterator[tuple]]]
) -> list[int]:
    counts = []
    with atomic_path(path) as tmp:
        workbook = xlsx.workbook(tmp, constant_memory=True)
        try:
            bold, text = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "@"})
            for name, header, rows in sheets:
                sheet = workbook.add_worksheet(name)
                sheet.set_column(0, len(header) - 1, 18, text)
                sheet.freeze_panes(1, 0)
                sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
                xlsx.write_row(sheet, 0, 0, header, bold)
                count = 0
                for count, row in enumerate(rows, start=1):
                    xlsx.write_row(sheet, count, 0, row, text)  # text as string cells, never formulas (U11)
                counts.append(count)
        finally:
            workbook.close()
    return counts


def roster_export(
    *,
    actor: Actor,
    rosters: list[Roster],
    path: str | os.PathLike,
    held_path: str | os.PathLike | None = None,
) -> tuple[int, int]:
    """Write the paid lines to ``path`` (.csv or .xlsx; xlsx gets a second sheet with the held) and, for
    csv, the held lines to ``held_path``. Full ID numbers only for the district administrator (and batch
    jobs acting for the district); every export is audited. Returns (paid rows, held rows)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise RosterError("名册文件须为 .csv 或 .xlsx / the roster file must be .csv or .xlsx")
    full = can(actor, "id_number.full")
    if suffix == ".xlsx":
        paid, held = _write_xlsx(
            path,
            [
                ("发放名册", ROSTER_COLUMNS, roster_rows(rosters, paid=True, full=full)),
                ("暂停发放 held", HELD_COLUMNS, roster_rows(rosters, paid=False, full=full)),
            ],
        )
    else:
        paid = write_csv_rows(path, ROSTER_COLUMNS, roster_rows(rosters, paid=True, full=full))
        held = (
            write_csv_rows(held_path, HELD_COLUMNS, roster_rows(rosters, paid=False, full=full))
            if held_path
            else 0
        )
    log_action(
        actor,
        "roster.export",
        object_type="roster",
        object_id=",".join(f"{r.policy_id}:{r.month:%Y-%m}" for r in rosters)[:64],
        details={"file": path.name, "paid": paid, "held": held, "full_id_numbers": full},
    )
    return paid, held
