"""A policy's readable sheet (P1): conditions, parameters with dates and citations, amounts.
``xiaokang policies show ID`` prints it in Chinese; the staff policy page shows the same data. Values not
yet verified against their source are flagged wherever they appear (P5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from xiaokang.policies.engine.loader import Policy, policies

KIND_ZH = {"cash": "现金补贴", "service": "服务", "eligibility": "资格认定", "levy": "征收"}
KIND_EN = {"cash": "cash benefit", "service": "service", "eligibility": "eligibility", "levy": "levy"}
PERIOD_ZH = {"month": "按月", "year": "按年", "once": "一次性"}
PERIOD_EN = {"month": "monthly", "year": "yearly", "once": "once"}
GROUP_ZH = {"common": "共同条件", "condition": "条件", "exclusion": "排除条件"}
UNVERIFIED_ZH = "【待核实】"


@dataclass
class ParameterRow:
    name: str
    zh: str
    en: str
    unit: str
    values: list[dict]  # start, value, citation, verified, current
    current: object = None
    current_verified: bool = True
    # A parameter of the shared tree: its file (``parameters/quota_ratio.yaml``) and every policy that
    # reads it (so a reader of one policy sees that changing it changes the others too).
    source: str = ""
    used_by: list[str] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        return bool(self.source)


@dataclass
class Sheet:
    policy: Policy
    day: dt.date
    parameters: list[ParameterRow] = field(default_factory=list)

    @property
    def unverified(self) -> bool:
        return any(not row.current_verified for row in self.parameters)

    @property
    def amounts(self) -> list[dict]:
        """The amount rows, each with the value in force when its amount is a parameter."""
        current = {row.name: row for row in self.parameters}
        rows = []
        for rule in self.policy.amounts:
            parameter = current.get(rule.amount_text.strip())
            rows.append(
                {
                    "rule": rule,
                    "value": parameter.current if parameter else None,
                    "unit": parameter.unit if parameter else "",
                    "verified": parameter.current_verified if parameter else True,
                }
            )
        return rows

    @property
    def changes(self) -> list[dict]:
        """When the rules changed: every dated parameter value after the first, newest first."""
        found = []
        for row in self.parameters:
            for value in row.values[1:]:
                found.append({"start": value["start"], "parameter": row, "value": value})
        return sorted(found, key=lambda item: item["start"], reverse=True)


def build_sheet(policy: Policy, day: dt.date, policy_set: dict[str, Policy] | None = None) -> Sheet:
    """``policy_set`` (default: the shipped policies, when the policy has shared parameters) names the
    other policies that read each shared parameter."""
    sheet = Sheet(policy, day)
    if policy_set is None and any(parameter.shared for parameter in policy.parameters.values()):
        policy_set = policies()
    for parameter in policy.parameters.values():
        current = parameter.value_on(day)
        values = [
            {
                "start": value.start,
                "value": value.value,
                "citation": value.citation,
                "verified": value.verified,
                "current": value is current,
            }
            for value in parameter.values
        ]
        sheet.parameters.append(
            ParameterRow(
                parameter.name,
                parameter.zh,
                parameter.en,
                parameter.unit,
                values,
                current.value if current else None,
                current.verified if current else True,
                parameter.source_name,
                [
                    other.id
                    for other in (policy_set or {}).values()
                    if parameter.shared and other.parameters.get(parameter.name) is parameter
                ],
            )
        )
    return sheet


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def render_text(sheet: Sheet) -> str:
    """The sheet as plain Chinese text for the terminal."""
    policy = sheet.policy
    lines = [
        f"{policy.zh}（{policy.id}）",
        f"类型：{KIND_ZH.get(policy.kind, policy.kind)}，{PERIOD_ZH.get(policy.period, policy.period)}；"
        f"规则版本 {policy.version}；以 {sheet.day.isoformat()} 为准",
        "",
        "政策依据：",
        *[f"  · {basis}" for basis in policy.legal_basis],
    ]
    if policy.notes:
        lines += ["", "说明：", *[f"  · {note.get('zh', '')}" for note in policy.notes]]
    lines += ["", "认定条件（须全部满足）："]
    for condition in policy.conditions:
        lines.append(f"  [{GROUP_ZH[condition.group]}] {condition.id}：{condition.zh}")
        lines.append(f"      规则：{condition.text}")
        lines.append(f"      依据：{condition.citation}")
    if policy.definitions:
        lines += ["", "定义："]
        for definition in policy.definitions.values():
            lines.append(f"  {definition.id}：{definition.zh}")
            lines.append(f"      规则：{definition.text}")
    if sheet.parameters:
        lines += ["", "参数："]
        for row in sheet.parameters:
            flag = "" if row.current_verified else f" {UNVERIFIED_ZH}"
            unit = row.unit or ""
            current = "（该日无值）" if row.current is None else f"{_value_text(row.current)}{unit}"
            lines.append(f"  {row.name}：{row.zh} = {current}{flag}")
            if row.shared:
                lines.append(f"      共用参数：{row.source}；适用于 {'、'.join(row.used_by)}")
            for value in row.values:
                marker = "→" if value["current"] else " "
                note = "" if value["verified"] else f" {UNVERIFIED_ZH}"
                lines.append(
                    f"    {marker} 自 {value['start'].isoformat()} 起 {_value_text(value['value'])}{unit}"
                    f"{note}；依据：{value['citation']}"
                )
    if policy.has_amount:
        lines += ["", "金额（按顺序取第一个符合的档次）："]
        for row in sheet.amounts:
            rule = row["rule"]
            label = rule.zh or "金额"
            when = f"当 {rule.when_text} 时，" if rule.when is not None else ""
            value = "" if row["value"] is None else f"（现为 {_value_text(row['value'])}{row['unit']}）"
            flag = "" if row["verified"] else f" {UNVERIFIED_ZH}"
            lines.append(f"  {label}：{when}{rule.amount_text}{value}{flag}")
    if sheet.unverified:
        lines += ["", f"注：标有{UNVERIFIED_ZH}的参数尚未与原始文件核对，结果为暂定。"]
    return "\n".join(lines)
