"""`xiaokang import enrolments` (S5): the current recipients from the legacy system, declared to the
import framework (``xiaokang.core.importing``) with the person import's rules: all or nothing, every
error naming its row and column, the same report and exit codes, idempotent (a re-import changes
nothing).

Columns: 公民身份号码 / id_number, 项目 / policy (a cash policy's id or Chinese name), 开始月份 /
start_month (YYYY-MM), optional 月金额 / monthly_amount (yuan). An amount that differs from what the
rules give the person today is imported and the enrolment is flagged for review.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import polars as pl
from django.db import connection
from django.utils import timezone

from xiaokang.accounts.actors import Actor, scope_of
from xiaokang.audit.services import log_action
from xiaokang.cases.models import Enrolment
from xiaokang.cases.rosters import cash_policy_ids
from xiaokang.core import crypto
from xiaokang.core.importing import Column, Context, Dataset, Message, Money, Month, Plan, Rule
from xiaokang.policies import evaluation
from xiaokang.policies.engine.loader import policies
from xiaokang.registry.selectors import persons_for
from xiaokang.registry.services import OUT_OF_AREA, ImportReport, record_out_of_area_refusals

ENROLMENT_COLUMNS: tuple[Column, ...] = (
    Column("id_number", "公民身份号码", True, None, "18位", "18 characters"),
    Column("policy", "项目", True, None, "现金待遇的标识或中文名称", "a cash policy's id or Chinese name"),
    Column("start_month", "开始月份", True, type=Month(), into="start"),
    Column("monthly_amount", "月金额", False, type=Money(), into="amount_fen"),
)
REQUIRED = "必填 / required"


def _setup(ctx: Context) -> None:
    cash = cash_policy_ids()
    ctx.data["cash"] = cash
    ctx.data["policy_by_name"] = {**{p: p for p in cash}, **{policies()[p].zh: p for p in cash}}


def _prepare(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """The person each row names, looked up in the actor's scope (``persons_for``): out of the actor's area
    and not registered at all get one answer for an area-bound actor (U11), the neutral out-of-area words,
    audited and counted as the person import's are."""
    actor = ctx.actor
    ids = frame["id_number"].str.to_uppercase().fill_null("")
    indexes = crypto.blind_index_many(ids.to_list())
    known = dict(
        persons_for(actor).filter(id_number_index__in=set(indexes)).values_list("id_number_index", "pk")
    )
    scoped = scope_of(actor).kind != "all"
    ctx.data["not_found"] = OUT_OF_AREA if scoped else "登记库中没有此人 / no such person in the registry"
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
    return frame.with_columns(
        pl.Series("person_id", [known.get(index) for index in indexes], dtype=pl.Int64),
        pl.col("policy").replace_strict(ctx.data["policy_by_name"], default=None).alias("policy_id"),
    )


ENROLMENT_RULES = (
    "id_number.required",
    Rule(
        "id_number.not_found",
        "id_number",
        pl.col("id_number").is_not_null() & pl.col("person_id").is_null(),
        lambda ctx: pl.lit(ctx.data["not_found"]),
    ),
    "policy.required",
    Rule(
        "policy.unknown",
        "policy",
        pl.col("policy").is_not_null() & pl.col("policy_id").is_null(),
        lambda ctx: pl.lit("未知的现金待遇项目 / unknown cash policy: " + ", ".join(ctx.data["cash"])),
    ),
    # An empty month gets the format's words, not "required" (the import's contract).
    Rule(
        "start_month.required",
        "start_month",
        pl.col("start_month").is_null(),
        "格式应为YYYY-MM / write YYYY-MM",
    ),
    "start_month.invalid",
    "monthly_amount.invalid",
    Rule(
        "id_number.duplicate",
        "id_number",
        pl.struct("person_id", "policy_id").is_duplicated()
        & pl.col("person_id").is_not_null()
        & pl.col("policy_id").is_not_null(),
        "同一人同一项目在文件中出现多次 / the same person and policy appear twice in the file",
    ),
)


def _rows(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    return frame.select("person_id", "policy_id", "start", "amount_fen")


def _plan(rows: pl.DataFrame, ctx: Context) -> Plan:
    """Created, changed or unchanged by (person, policy) among the live enrolments; an amount that differs
    from what the rules give the person today is flagged for review."""
    rule_amounts = _rule_amounts(ctx.actor, rows)
    current = {
        (e.person_id, e.policy_id): e
        for e in Enrolment.objects.filter(
            person_id__in=rows["person_id"].to_list(), status__in=["active", "suspended"]
        )
    }
    creates, updates = [], []
    for person_id, policy_id, start, amount_fen in rows.iter_rows():
        needs_review = amount_fen is not None and amount_fen != rule_amounts.get((person_id, policy_id), 0)
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
    return Plan(
        created=len(creates),
        updated=len(updates),
        unchanged=rows.height - len(creates) - len(updates),
        detail=(creates, updates),
    )


def _write(plan: Plan, ctx: Context) -> None:
    creates, updates = plan.detail
    Enrolment.objects.bulk_create(creates, batch_size=5000)
    Enrolment.objects.bulk_update(
        updates, ["start_month", "legacy_amount_fen", "needs_review"], batch_size=5000
    )
    log_action(
        ctx.actor,
        "enrolment.import",
        object_type="file",
        object_id=os.path.basename(str(ctx.path))[:64],
        details={"created": plan.created, "updated": plan.updated, "unchanged": plan.unchanged},
    )


ENROLMENTS = Dataset(
    name="enrolments",
    label=Message("现金待遇享受人员", "enrolments"),
    columns=ENROLMENT_COLUMNS,
    key=("person_id", "policy_id"),
    setup=_setup,
    prepare=_prepare,
    rules=ENROLMENT_RULES,
    rows=_rows,
    plan=_plan,
    write=_write,
    notes=(
        Message(
            "按公民身份号码和项目匹配在享人员：再次导入同一文件不会重复创建，未变化的行计为“未变”。",
            "Enrolments are matched by ID number and policy: importing the same file again creates nothing "
            "twice; rows that change nothing are counted as unchanged.",
        ),
    ),
)


def enrolments_import(
    *,
    actor: Actor,
    path: str | os.PathLike,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
) -> ImportReport:
    """The enrolment dataset through the import framework. The scope rule is the person lookup in the
    actor's scope (``_prepare``); its refusals are counted and audited as the person import's."""
    return ENROLMENTS.load(actor=actor, path=path, dry_run=dry_run, progress=progress, source="enrolments")


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
