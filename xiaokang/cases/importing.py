"""`xiaokang import enrolments` (S5): the current recipients from the legacy system, with the
person import's rules: all or nothing, every error naming its row and column, the same report and exit
codes, idempotent (a re-import changes nothing).

Columns: 公民身份号码 / id_number, 项目 / policy (a cash policy's id or Chinese name), 开始月份 /
start_month (YYYY-MM), optional 月金额 / monthly_amount (yuan). An amount that differs from what the
rules give the person today is imported and the enrolment is flagged for review.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.audit.services import log_action
from xiaokang.cases.models import Enrolment
from xiaokang.cases.rosters import cash_policy_ids
from xiaokang.core import crypto
from xiaokang.policies import evaluation
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.importing.columns import Column
from xiaokang.registry.importing.reader import read_table
from xiaokang.registry.selectors import persons_for
from xiaokang.registry.services import OUT_OF_AREA, ImportReport, record_out_of_area_refusals

ENROLMENT_COLUMNS: tuple[Column, ...] = (
    Column("id_number", "公民身份号码", True, None, "18位", "18 characters"),
    Column("policy", "项目", True, None, "现金待遇的标识或中文名称", "a cash policy's id or Chinese name"),
    Column("start_month", "开始月份", True, None, "YYYY-MM", "YYYY-MM"),
    Column("monthly_amount", "月金额", False, None, "元，最多两位小数", "yuan, at most two decimals"),
)


def _error(frame: pl.DataFrame, mask: pl.Expr, column: str, message: str) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.col("__row").alias("row"), pl.lit(column).alias("column"), pl.lit(message).alias("message")
    )


def enrolments_import(
    *,
    actor: Actor,
    path: str | os.PathLike,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
) -> ImportReport:
    sheet = read_table(path, ENROLMENT_COLUMNS)
    headers = sheet.headers
    frame = sheet.frame
    if "monthly_amount" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("monthly_amount"))
    report = ImportReport(
        rows=frame.height,
        warnings=[
            {"row": 1, "column": name, "message": "未知列，已忽略 / unknown column, ignored"}
            for name in sheet.unknown_columns
        ],
    )
    progress("validating")
    cash = cash_policy_ids()
    policy_by_name = {**{p: p for p in cash}, **{policies()[p].zh: p for p in cash}}
    ids = frame["id_number"].str.to_uppercase().fill_null("")
    indexes = crypto.blind_index_many(ids.to_list())
    known = dict(
        persons_for(actor).filter(id_number_index__in=set(indexes)).values_list("id_number_index", "pk")
    )
    # Out of the actor's area and not registered at all get one answer for an area-bound actor (U11): the
    # neutral out-of-area words, audited and counted as the person import's are.
    scoped = scope_of(actor).kind != "all"
    not_found = OUT_OF_AREA if scoped else "登记库中没有此人 / no such person in the registry"
    if scoped:
        record_out_of_area_refusals(
            actor,
            [
                (row, index, None)
                for row, id_number, index in zip(
                    frame["__row"].to_list(), frame["id_number"].to_list(), indexes, strict=True
                )
                if id_number is not None and index not in known
            ],
            source="enrolments",
        )
    frame = frame.with_columns(
        pl.Series("person_id", [known.get(index) for index in indexes], dtype=pl.Int64),
        pl.col("policy").replace_strict(policy_by_name, default=None).alias("policy_id"),
        pl.when(pl.col("start_month").str.contains(r"^\d{4}-\d{2}$"))
        .then((pl.col("start_month") + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        .alias("start"),
        pl.col("monthly_amount")
        .str.replace_all(",", "")
        .cast(pl.Decimal(14, 2), strict=False)
        .alias("amount"),
    )
    columns = {
        field: headers.get(field, field) for field in ("id_number", "policy", "start_month", "monthly_amount")
    }
    amount_text = pl.col("monthly_amount")
    checks = [
        (pl.col("id_number").is_null(), "id_number", "必填 / required"),
        (
            pl.col("id_number").is_not_null() & pl.col("person_id").is_null(),
            "id_number",
            not_found,
        ),
        (pl.col("policy").is_null(), "policy", "必填 / required"),
        (
            pl.col("policy").is_not_null() & pl.col("policy_id").is_null(),
            "policy",
            "未知的现金待遇项目 / unknown cash policy: " + ", ".join(cash),
        ),
        (
            pl.col("start_month").is_null() | pl.col("start").is_null(),
            "start_month",
            "格式应为YYYY-MM / write YYYY-MM",
        ),
        (
            amount_text.is_not_null()
            & (
                pl.col("amount").is_null()
                | (pl.col("amount") < 0)
                | ~amount_text.str.contains(r"^\d[\d,]*(\.\d{1,2})?$")
            ),
            "monthly_amount",
            "应为不小于0、最多两位小数的金额 / an amount in yuan, at most two decimals",
        ),
        (
            pl.struct("person_id", "policy_id").is_duplicated()
            & pl.col("person_id").is_not_null()
            & pl.col("policy_id").is_not_null(),
            "id_number",
            "同一人同一项目在文件中出现多次 / the same person and policy appear twice in the file",
        ),
    ]
    errors = (
        pl.concat([_error(frame, mask, columns[field], message) for mask, field, message in checks])
        .unique(subset=["row", "column"], keep="first", maintain_order=True)
        .sort("row", maintain_order=True)
    )
    if errors.height:
        report.errors = errors.to_dicts()
        return report
    progress("writing")
    rows = frame.select(
        "person_id",
        "policy_id",
        "start",
        (pl.col("amount") * 100).cast(pl.Int64).alias("amount_fen"),
    )
    with transaction.atomic():
        rule_amounts = _rule_amounts(actor, rows)
        current = {
            (e.person_id, e.policy_id): e
            for e in Enrolment.objects.filter(
                person_id__in=rows["person_id"].to_list(), status__in=["active", "suspended"]
            )
        }
        creates, updates = [], []
        for person_id, policy_id, start, amount_fen in rows.iter_rows():
            needs_review = amount_fen is not None and amount_fen != rule_amounts.get(
                (person_id, policy_id), 0
            )
            existing = current.get((person_id, policy_id))
            if existing is None:
                creates.append(
                    Enrolment(
                        person_id=person_id,
                        policy_id=policy_id,
                        start_month=start,
                        legacy_amount_fen=amount_fen,
                        needs_review=needs_review,
                    )
                )
            elif (existing.start_month, existing.legacy_amount_fen) != (start, amount_fen):
                existing.start_month, existing.legacy_amount_fen = start, amount_fen
                existing.needs_review = needs_review
                updates.append(existing)
        report.created, report.updated = len(creates), len(updates)
        report.unchanged = rows.height - len(creates) - len(updates)
        if dry_run:
            return report
        Enrolment.objects.bulk_create(creates, batch_size=5000)
        Enrolment.objects.bulk_update(
            updates, ["start_month", "legacy_amount_fen", "needs_review"], batch_size=5000
        )
        report.written = True
        log_action(
            actor,
            "enrolment.import",
            object_type="file",
            object_id=os.path.basename(str(path))[:64],
            details={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
    return report


def _rule_amounts(actor: Actor, rows: pl.DataFrame) -> dict[tuple[int, str], int]:
    """What the rules give each (person, policy) of the file today, in fen, by the SQL back end."""
    today = timezone.localdate()
    amounts: dict[tuple[int, str], int] = {}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS enrolment_import_persons")
        cursor.execute("CREATE TEMPORARY TABLE enrolment_import_persons (person_id BIGINT)")
        cursor.executemany(
            "INSERT INTO enrolment_import_persons VALUES (%s)",
            [(pid,) for pid in rows["person_id"].unique().to_list()],
        )
        source = (
            f"SELECT * FROM ({evaluation.registry_source(actor)}) s "  # noqa: S608
            "WHERE s.person_id IN (SELECT person_id FROM enrolment_import_persons)"
        )
        evaluation.build_facts(cursor, source, today)
        for policy_id in rows["policy_id"].unique().to_list():
            policy = policies()[policy_id]
            decisions = evaluation.decisions(cursor, policy, policy.parameters_on(today))
            cursor.execute(f"SELECT person_id, amount_fen FROM ({decisions}) d")  # noqa: S608
            amounts.update({(pid, policy_id): fen for pid, fen in cursor.fetchall()})
        evaluation.drop_facts(cursor)
        cursor.execute("DROP TABLE IF EXISTS enrolment_import_persons")
    return amounts
