"""The collection list for the tax bureau (E1: ``xiaokang levy --from-declarations --year Y``):
every approved declaration of levy year Y with the levy fixed at its approval and the figures behind it.

The amounts are the stored ones, never recomputed: approval fixed them with the parameters then in force
(``Declaration.decision``), and a later change of the rules must not change what was approved."""

from __future__ import annotations

import os

import polars as pl

from xiaokang.accounts.actors import Actor
from xiaokang.core.money import yuan_text
from xiaokang.employment.declaration_selectors import declarations_for
from xiaokang.employment.models import EMPLOYER_TYPE_ZH, Declaration, DeclarationState
from xiaokang.registry.exporting import write_xlsx

COLUMNS = {
    "uscc": "统一社会信用代码",
    "name": "单位名称",
    "type": "单位类型",
    "street": "所在街道",
    "levy_year": "征收年度",
    "headcount": "上年在职职工人数",
    "counted": "安排残疾人就业人数",
    "quota": "应安排人数",
    "shortfall": "差额人数",
    "ratio": "安排比例",
    "average_wage": "上年在职职工年平均工资（元）",
    "capped_wage": "计征工资（元）",
    "reduction": "应缴比例",
    "exempt": "暂免征收",
    "levy": "应缴残疾人就业保障金（元）",
    "approved_at": "审核通过时间",
}
FIGURES = ("headcount", "counted", "quota", "shortfall", "ratio", "average_wage", "capped_wage", "reduction")


def approved_declarations(actor: Actor, levy_year: int):
    declarations = declarations_for(actor).filter(levy_year=levy_year, state=DeclarationState.APPROVED)
    return declarations.order_by("employer__uscc")


def collection_frame(actor: Actor, levy_year: int) -> tuple[pl.DataFrame, int]:
    rows = []
    total_fen = 0
    for declaration in approved_declarations(actor, levy_year):
        figures = declaration.decision.get("figures", {})
        employer = declaration.employer
        total_fen += declaration.levy_fen or 0
        rows.append(
            {
                "uscc": employer.uscc,
                "name": employer.name,
                "type": EMPLOYER_TYPE_ZH.get(employer.employer_type, employer.employer_type),
                "street": employer.street.name,
                "levy_year": str(levy_year),
                **{name: str(figures.get(name, "")) for name in FIGURES},
                "exempt": "是" if declaration.exempt else "否",
                "levy": yuan_text(declaration.levy_fen or 0, grouping=False),
                "approved_at": declaration.approved_at.strftime("%Y-%m-%d %H:%M")
                if declaration.approved_at
                else "",
            }
        )
    frame = pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.Utf8)).rename(COLUMNS)
    return frame, total_fen


def collection_list_write(*, actor: Actor, levy_year: int, path: str | os.PathLike) -> tuple[int, int]:
    """Write the list as xlsx (a second sheet holds the totals); returns (declarations, total in fen)."""
    frame, total_fen = collection_frame(actor, levy_year)
    return _write_with_totals(
        frame,
        total_fen,
        path,
        sheet=f"{levy_year}年征收清单",
        labels=("征收年度", "单位数", "应缴合计（元）"),
        year=levy_year,
    )


def _write_with_totals(
    frame: pl.DataFrame, total_fen: int, path, *, sheet: str, labels: tuple[str, str, str], year: int
) -> tuple[int, int]:
    """``frame`` as the xlsx's first sheet and one line of totals (year, rows, sum in yuan) on a second
    sheet 合计, headed by ``labels``; returns (rows, total in fen)."""
    year_label, count_label, total_label = labels
    totals = pl.DataFrame(
        {
            year_label: [str(year)],
            count_label: [str(frame.height)],
            total_label: [yuan_text(total_fen, grouping=False)],
        }
    )
    write_xlsx(frame, path, sheet_name=sheet, extra_sheets={"合计": totals})
    return frame.height, total_fen


# --- Rewards and subsidies (E4) ---------------------------------------------------------------------

PAYMENT_COLUMNS = {
    "uscc": "统一社会信用代码",
    "name": "单位名称",
    "street": "所在街道",
    "levy_year": "年度",
    "policy": "项目",
    "policy_id": "项目代码",
    "counted": "安排残疾人就业人数",
    "amount": "金额（元）",
    "provisional": "标准待核实",
}


def _declared_record(declaration: Declaration) -> dict:
    """The employer's figures as approval fixed them (the levy decision's record)."""
    from xiaokang.policies.engine.employers import employer_record

    record = declaration.decision.get("record") or {}
    return employer_record(
        employer_type=record.get("employer_type", declaration.employer.employer_type),
        state_owned=record.get("state_owned", declaration.employer.state_owned),
        headcount=record.get("headcount", declaration.headcount),
        total_wages=record.get("total_wages", declaration.total_wages),
        disabled_grade_1_2=record.get("disabled_grade_1_2", 0),
        disabled_grade_3_4=record.get("disabled_grade_3_4", 0),
    )


def payment_frame(actor: Actor, levy_year: int) -> tuple[pl.DataFrame, int]:
    """Every employer cash policy (over-quota reward, post and social-insurance subsidies) decided by the
    interpreter for each approved declaration of the year; one row per employer and payment due."""
    from xiaokang.policies.engine.employers import decide_employer, employer_policies

    cash = [policy for policy in employer_policies() if policy.is_cash]
    rows = []
    total_fen = 0
    for declaration in approved_declarations(actor, levy_year):
        record = _declared_record(declaration)
        for policy in cash:
            decision = decide_employer(policy, record, levy_year)
            if not decision.eligible or not decision.amount_fen:
                continue
            total_fen += decision.amount_fen
            rows.append(
                {
                    "uscc": declaration.employer.uscc,
                    "name": declaration.employer.name,
                    "street": declaration.employer.street.name,
                    "levy_year": str(levy_year),
                    "policy": policy.zh,
                    "policy_id": policy.id,
                    "counted": str(declaration.counted if declaration.counted is not None else ""),
                    "amount": yuan_text(decision.amount_fen, grouping=False),
                    "provisional": "是" if decision.unverified else "否",
                }
            )
    return pl.DataFrame(rows, schema=dict.fromkeys(PAYMENT_COLUMNS, pl.Utf8)).rename(
        PAYMENT_COLUMNS
    ), total_fen


def payment_list_write(*, actor: Actor, levy_year: int, path: str | os.PathLike) -> tuple[int, int]:
    """The year's payment list as xlsx; returns (rows, total in fen)."""
    frame, total_fen = payment_frame(actor, levy_year)
    return _write_with_totals(
        frame,
        total_fen,
        path,
        sheet=f"{levy_year}年奖励补贴",
        labels=("年度", "笔数", "合计（元）"),
        year=levy_year,
    )
