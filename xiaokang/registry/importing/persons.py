"""The person dataset (R5): the registry's import, declared to the import framework. Columns and types in
``columns.py``, the named rules in ``validate.py``, the set-based plan and write in ``apply.py``, the
scope rule and the out-of-area refusals in ``registry.services`` (U11)."""

from __future__ import annotations

import polars as pl

from xiaokang.audit.services import log_action
from xiaokang.core.importing import Context, Dataset, Message, Plan, ScopeResult
from xiaokang.registry.importing import apply as apply_
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.importing.validate import PERSON_RULES, person_rows, prepare


def _scope(ctx: Context, rows: pl.DataFrame) -> ScopeResult | None:
    from xiaokang.registry.services import _scope_check

    result = _scope_check(ctx.actor, rows, dict(ctx.headers))
    return None if result is None else ScopeResult(errors=result.errors, refused=result.refused)


def _refused(ctx: Context, refused: list) -> None:
    from xiaokang.registry.services import record_out_of_area_refusals

    record_out_of_area_refusals(ctx.actor, refused, source=ctx.source)


def _plan(rows: pl.DataFrame, ctx: Context) -> Plan:
    plan = apply_.plan(rows)
    return Plan(created=plan.created, updated=plan.updated, unchanged=plan.unchanged, detail=plan)


def _write(plan: Plan, ctx: Context) -> None:
    apply_.apply(plan.detail, actor=ctx.actor, source=ctx.source)
    name = ctx.file_name
    log_action(
        ctx.actor,
        f"registry.{ctx.source}",
        object_type="file",
        object_id=name[:64],
        details={
            "file": name,
            "sha256": ctx.file_digest,
            "rows": plan.detail.rows.height,
            "created": plan.created,
            "updated": plan.updated,
            "unchanged": plan.unchanged,
        },
    )


PERSONS = Dataset(
    name="persons",
    label=Message("残疾人信息", "disabled persons"),
    sheet="残疾人信息",
    columns=PERSON_COLUMNS,
    key=("id_number",),  # matched by the ID number's blind index (apply.plan)
    prepare=prepare,
    rules=PERSON_RULES,
    rows=person_rows,
    scope=_scope,
    refused=_refused,
    plan=_plan,
    write=_write,
    notes=(
        Message(
            "按公民身份号码匹配已有人员：再次导入同一文件不会重复创建，未变化的行计为“未变”。",
            "Persons are matched by ID number: importing the same file again creates nothing twice; rows "
            "that change nothing are counted as unchanged.",
        ),
    ),
)
