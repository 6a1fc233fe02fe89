"""The registry's controlled vocabularies as plain data, with no Django import: each identifier
(GLOSSARY.md) with its Chinese label, and the category digits of GB/T 26341-2010.

``xiaokang.registry.vocabulary`` adds the Django choices (English labels, for forms and models) over the
same identifiers (a test checks that both list the same values); the policy engine
(``xiaokang.policies.engine``, P1–P3) reads this module, so that it needs no Django.
"""

from __future__ import annotations

CATEGORY_ZH = {
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "physical": "肢体",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}

CATEGORY_CODE = {
    "visual": 1,
    "hearing": 2,
    "speech": 3,
    "physical": 4,
    "intellectual": 5,
    "mental": 6,
    "multiple": 7,
}

CATEGORY_BY_CODE = {v: k for k, v in CATEGORY_CODE.items()}

GRADE_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

HUKOU_ZH = {"beijing_urban": "本市城镇", "beijing_rural": "本市农业", "non_local": "外埠"}

STATUS_ZH = {"normal": "正常", "moved_out": "迁出", "deceased": "死亡"}

EMPLOYMENT_ZH = {
    "employed": "在职",
    "self_employed": "自主创业",
    "flexible": "灵活就业",
    "unemployed_registered": "登记失业",
    "not_employed": "未就业",
    "student": "在校学生",
    "retired": "退休",
}

ECONOMIC_STATUS_ZH = {"dibao": "低保", "low_income": "低收入", "extremely_poor": "特困", "ordinary": "一般"}

RELATION_ZH = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "other": "其他"}

HARDSHIP_CAUSE_ZH = {"disaster": "因灾", "illness": "因病", "schooling": "因学", "other": "其他"}

YES_NO_ZH = {True: "是", False: "否"}

SELF_CARE_ZH = {True: "能", False: "不能"}
