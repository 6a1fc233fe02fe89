"""What a declaration is made of: the levy years, the limits of its figures and the employee columns
(a file's headings in Chinese, with the explanations the template and the error report show)."""

from __future__ import annotations

from decimal import Decimal

from xiaokang.registry.importing.columns import Column

# 财税〔2015〕72号 took effect on 2015-10-01: the first levy year judged by its rules is 2016.
FIRST_LEVY_YEAR = 2016
# The declaration window (京残发〔2022〕5号: registrations reviewed 1 March – 31 October of the levy
# year), overridable with the setting XIAOKANG_DECLARATION_WINDOW = ("MM-DD", "MM-DD").
DEFAULT_DECLARATION_WINDOW = ("03-01", "10-31")
MAX_CONTRACT_MONTHS = 999  # open-ended contracts and staff on the establishment (编制): write 999
MAX_HEADCOUNT = Decimal("9999999999.99")  # the column: 12 digits, 2 decimals
MAX_WAGES = Decimal("99999999999999.99")  # 16 digits, 2 decimals
YES = {"是", "yes", "y", "true", "1"}
NO = {"否", "no", "n", "false", "0"}
EMPLOYEE_FIELDS = ("certificate_number", "contract_months", "minimum_wage_met", "social_insurance_paid")
EMPLOYEE_COLUMNS: tuple[Column, ...] = (
    Column(
        "certificate_number",
        "残疾人证号",
        True,
        None,
        "20位（身份证号+类别位+等级位）或22位（另加B1–B9）",
        "20 characters (ID number + category digit + grade digit), or 22 with a B1–B9 suffix",
    ),
    Column(
        "contract_months",
        "劳动合同期限（月）",
        True,
        None,
        "整数月数1–999；无固定期限或在编人员填999",
        "whole months, 1–999; 999 for an open-ended contract or staff on the establishment",
    ),
    Column("minimum_wage_met", "工资不低于最低工资标准", True, None, "是 否", "是 (yes) 否 (no)"),
    Column("social_insurance_paid", "足额缴纳社会保险", True, None, "是 否", "是 (yes) 否 (no)"),
)
COLUMN_ZH = {column.field: column.zh for column in EMPLOYEE_COLUMNS}
