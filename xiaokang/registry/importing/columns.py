"""The person import format (R5), declared to the import framework (``xiaokang.core.importing``): one
definition serves the importer, the exporter, the form, the API and the template, so they can never
disagree. Each column's type parses its cells and brings its own named rules (``<field>.required``,
``<field>.invalid`` …); the person rules are in ``validate.py``."""

from __future__ import annotations

from xiaokang.core.importing.columns import Choice, Column, Date, IdNumber, Message, Text, vocabulary
from xiaokang.core.vocabulary import (
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    EMPLOYMENT_ZH,
    GRADE_ZH,
    HUKOU_ZH,
    RELATION_ZH,
    STATUS_ZH,
)

NAME_MAX, ADDRESS_MAX, HOUSEHOLD_MAX = 50, 200, 64

YES_NO_VALUES = {"是": "1", "否": "0", "yes": "1", "no": "0", "true": "1", "false": "0", "1": "1", "0": "0"}
SELF_CARE_VALUES = {
    "能": "1",
    "不能": "0",
    "yes": "1",
    "no": "0",
    "true": "1",
    "false": "0",
    "1": "1",
    "0": "0",
}
GRADE_VALUES = {
    **{label: str(g) for g, label in GRADE_ZH.items()},
    **{str(g): str(g) for g in GRADE_ZH},
    **{f"{g}级": str(g) for g in GRADE_ZH},
}
_CATEGORY_DIGITS = {str(code): ident for ident, code in CATEGORY_CODE.items()}


def _flag(label_zh: str, label_en: str, values: dict, dropdown: tuple[str, ...]) -> Choice:
    return Choice(
        values=values,
        dropdown=dropdown,
        message=Message(f"未知{label_zh}“{{value}}”", f"unknown {label_en} “{{value}}”"),
    )


_YES_NO = _flag("值，应为是或否", "value, expected 是 or 否", YES_NO_VALUES, ("是", "否"))

PERSON_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "姓名",
        True,
        None,
        "文本，最多50字",
        "text, at most 50 characters",
        type=Text(max_length=NAME_MAX, safe=True),
    ),
    Column(
        "id_number",
        "公民身份号码",
        True,
        None,
        "18位，末位可为X",
        "18 characters, the last may be X",
        type=IdNumber(),
        into="_id",
        width=22,
    ),
    Column(
        "certificate_number",
        "残疾人证号",
        True,
        None,
        "20位（身份证号+类别位+等级位）或22位（另加B1–B9）",
        "20 characters (ID number + category digit + grade digit), or 22 with a B1–B9 suffix",
        width=22,
    ),
    Column(
        "category",
        "残疾类别",
        True,
        None,
        "视力 听力 言语 肢体 智力 精神 多重，或数字1–7",
        "视力 听力 言语 肢体 智力 精神 多重 (visual … multiple), or 1–7",
        type=vocabulary(
            CATEGORY_ZH, label=Message("残疾类别", "category"), extra=_CATEGORY_DIGITS, warn_only=True
        ),
        into="category_id",
    ),
    Column(
        "multiple_categories",
        "多重残疾类别",
        False,
        None,
        "仅多重残疾填写：两个或以上类别名称或数字，用 , ， 、 或 ; 分隔",
        "only for 多重: two or more category names or digits separated by , ， 、 or ;",
    ),
    Column(
        "grade",
        "残疾等级",
        True,
        None,
        "一级 二级 三级 四级，或1–4",
        "一级 二级 三级 四级, or 1–4",
        type=Choice(
            values=GRADE_VALUES,
            dropdown=tuple(GRADE_ZH.values()),
            message=Message("未知残疾等级“{value}”", "unknown grade “{value}”"),
            dropdown_warn_only=True,
        ),
        into="_grade",
    ),
    Column(
        "certificate_issued",
        "发证日期",
        True,
        None,
        "YYYY-MM-DD 或电子表格日期",
        "YYYY-MM-DD or a spreadsheet date",
        type=Date(),
        into="issued_on",
    ),
    Column(
        "hukou",
        "户籍类型",
        True,
        None,
        "本市城镇 本市农业 外埠",
        "本市城镇 (Beijing urban) 本市农业 (Beijing rural) 外埠 (non-local)",
        type=vocabulary(HUKOU_ZH, label=Message("户籍类型", "household registration")),
        into="hukou_id",
    ),
    Column("street", "街道乡镇", True, None, "名称，或9位/12位代码", "name, or the 9- or 12-digit code"),
    Column(
        "community",
        "社区村",
        True,
        None,
        "名称或12位代码；新名称将在该街道下新建",
        "name or 12-digit code; a new name is created under the street",
        type=Text(max_length=NAME_MAX, safe=True),
    ),
    Column(
        "household",
        "家庭编号",
        True,
        None,
        "文本编号，同一家庭各行相同",
        "text key, the same on every row of a household",
        type=Text(max_length=HOUSEHOLD_MAX, safe=True),
    ),
    Column(
        "relation",
        "与户主关系",
        False,
        "户主",
        "户主 配偶 子女 父母 其他",
        "户主 (head) 配偶 子女 父母 其他",
        type=vocabulary(RELATION_ZH, label=Message("与户主关系", "relation")),
        into="relation_id",
    ),
    Column(
        "economic_status",
        "家庭经济状况",
        True,
        None,
        "低保 低收入 特困 一般",
        "低保 (dibao) 低收入 (low income) 特困 (extremely poor) 一般 (ordinary)",
        type=vocabulary(ECONOMIC_STATUS_ZH, label=Message("家庭经济状况", "economic status")),
        into="economic_status_id",
    ),
    Column(
        "family_planning_hardship",
        "计生特殊困难家庭",
        False,
        "否",
        "是 否",
        "是 (yes) 否 (no)",
        type=_YES_NO,
        into="_fph",
    ),
    Column(
        "dangerous_house",
        "危房",
        False,
        "否",
        "是 否",
        "是 (yes) 否 (no)",
        type=_YES_NO,
        into="_dangerous",
    ),
    Column(
        "employment",
        "就业状况",
        False,
        "未就业",
        "在职 自主创业 灵活就业 登记失业 未就业 在校学生 退休",
        "在职 自主创业 灵活就业 登记失业 未就业 在校学生 退休",
        type=vocabulary(EMPLOYMENT_ZH, label=Message("就业状况", "employment status")),
        into="employment_id",
    ),
    Column(
        "self_care",
        "生活自理",
        False,
        "能",
        "能 不能",
        "能 (able) 不能 (unable)",
        type=_flag("值，应为能或不能", "value, expected 能 or 不能", SELF_CARE_VALUES, ("能", "不能")),
        into="_self_care",
    ),
    Column(
        "work_injury_care",
        "享受工伤护理费",
        False,
        "否",
        "是 否",
        "是 (yes) 否 (no)",
        type=_YES_NO,
        into="_work_injury",
    ),
    Column("phone", "联系电话", False, None, "数字（可含空格或-）", "digits (spaces or - allowed)"),
    Column(
        "address",
        "现住址",
        False,
        None,
        "文本，最多200字",
        "text, at most 200 characters",
        type=Text(max_length=ADDRESS_MAX, safe=True),
        width=22,
    ),
    Column(
        "status",
        "人员状态",
        False,
        "正常",
        "正常 迁出 死亡",
        "正常 (normal) 迁出 (moved out) 死亡 (deceased)",
        type=vocabulary(STATUS_ZH, label=Message("人员状态", "status")),
        into="status_id",
    ),
)

BY_FIELD = {c.field: c for c in PERSON_COLUMNS}
HEADER_TO_FIELD = {**{c.zh: c.field for c in PERSON_COLUMNS}, **{c.field: c.field for c in PERSON_COLUMNS}}
