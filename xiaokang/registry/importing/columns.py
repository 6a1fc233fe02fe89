"""The person import format (R5): one definition serves the importer, the exporter and the
template, so the three can never disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str  # the English alias, also the field name in code
    zh: str  # the Chinese header
    required: bool
    default: str | None  # the Chinese value assumed when the cell is empty
    values_zh: str  # allowed values, for the template's explanation sheet
    values_en: str


PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, None, "文本，最多50字", "text, at most 50 characters"),
    Column("id_number", "公民身份号码", True, None, "18位，末位可为X", "18 characters, the last may be X"),
    Column(
        "certificate_number",
        "残疾人证号",
        True,
        None,
        "20位（身份证号+类别位+等级位）或22位（另加B1–B9）",
        "20 characters (ID number + category digit + grade digit), or 22 with a B1–B9 suffix",
    ),
    Column(
        "category",
        "残疾类别",
        True,
        None,
        "视力 听力 言语 肢体 智力 精神 多重，或数字1–7",
        "视力 听力 言语 肢体 智力 精神 多重 (visual … multiple), or 1–7",
    ),
    Column(
        "multiple_categories",
        "多重残疾类别",
        False,
        None,
        "仅多重残疾填写：两个或以上类别名称或数字，用 , ， 、 或 ; 分隔",
        "only for 多重: two or more category names or digits separated by , ， 、 or ;",
    ),
    Column("grade", "残疾等级", True, None, "一级 二级 三级 四级，或1–4", "一级 二级 三级 四级, or 1–4"),
    Column(
        "certificate_issued",
        "发证日期",
        True,
        None,
        "YYYY-MM-DD 或电子表格日期",
        "YYYY-MM-DD or a spreadsheet date",
    ),
    Column(
        "hukou",
        "户籍类型",
        True,
        None,
        "本市城镇 本市农业 外埠",
        "本市城镇 (Beijing urban) 本市农业 (Beijing rural) 外埠 (non-local)",
    ),
    Column("street", "街道乡镇", True, None, "名称，或9位/12位代码", "name, or the 9- or 12-digit code"),
    Column(
        "community",
        "社区村",
        True,
        None,
        "名称或12位代码；新名称将在该街道下新建",
        "name or 12-digit code; a new name is created under the street",
    ),
    Column(
        "household",
        "家庭编号",
        True,
        None,
        "文本编号，同一家庭各行相同",
        "text key, the same on every row of a household",
    ),
    Column(
        "relation", "与户主关系", False, "户主", "户主 配偶 子女 父母 其他", "户主 (head) 配偶 子女 父母 其他"
    ),
    Column(
        "economic_status",
        "家庭经济状况",
        True,
        None,
        "低保 低收入 特困 一般",
        "低保 (dibao) 低收入 (low income) 特困 (extremely poor) 一般 (ordinary)",
    ),
    Column("family_planning_hardship", "计生特殊困难家庭", False, "否", "是 否", "是 (yes) 否 (no)"),
    Column("dangerous_house", "危房", False, "否", "是 否", "是 (yes) 否 (no)"),
    Column(
        "employment",
        "就业状况",
        False,
        "未就业",
        "在职 自主创业 灵活就业 登记失业 未就业 在校学生 退休",
        "在职 自主创业 灵活就业 登记失业 未就业 在校学生 退休",
    ),
    Column("self_care", "生活自理", False, "能", "能 不能", "能 (able) 不能 (unable)"),
    Column("work_injury_care", "享受工伤护理费", False, "否", "是 否", "是 (yes) 否 (no)"),
    Column("phone", "联系电话", False, None, "数字（可含空格或-）", "digits (spaces or - allowed)"),
    Column("address", "现住址", False, None, "文本，最多200字", "text, at most 200 characters"),
    Column(
        "status",
        "人员状态",
        False,
        "正常",
        "正常 迁出 死亡",
        "正常 (normal) 迁出 (moved out) 死亡 (deceased)",
    ),
)

BY_FIELD = {c.field: c for c in PERSON_COLUMNS}
HEADER_TO_FIELD = {**{c.zh: c.field for c in PERSON_COLUMNS}, **{c.field: c.field for c in PERSON_COLUMNS}}
