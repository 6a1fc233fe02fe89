"""Reading a declaration's input: employees from a file or typed lines, figures with two decimals, and
the typed input of a correction (``DeclarationCorrection``). Pure checks; nothing is written."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from xiaokang.core import crypto
from xiaokang.core.bilingual import Message
from xiaokang.core.errors import FieldError
from xiaokang.core.identifiers import CertificateNumber, IdentifierError, parse_certificate_number
from xiaokang.employment.declarations.columns import (
    COLUMN_ZH,
    EMPLOYEE_COLUMNS,
    EMPLOYEE_FIELDS,
    MAX_CONTRACT_MONTHS,
    NO,
    YES,
)
from xiaokang.employment.declarations.errors import DeclarationError, _error
from xiaokang.registry.importing.reader import FileRejected, read_table


@dataclass
class EmployeeInput:
    row: int | None
    certificate: CertificateNumber
    contract_months: int
    minimum_wage_met: bool
    social_insurance_paid: bool

    def holder_index(self) -> str:
        return crypto.blind_index(self.certificate.id_number)


def _yes_no(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    return True if text in YES else False if text in NO else None


def _months(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not re.fullmatch(r"\d{1,4}", text):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_CONTRACT_MONTHS else None


def _clean_employees(
    employees: list[dict],
    *,
    columns: dict[str, str] | None = None,
    taken: dict[str, str] | None = None,
) -> tuple[list[EmployeeInput], list[FieldError]]:
    """Check the shape of every listed employee. ``columns``: field → header as written in the file (the
    errors name it); ``taken``: ID number → where it is already listed (a correction's other rows)."""
    columns = columns or {}
    taken = dict(taken or {})
    cleaned: list[EmployeeInput] = []
    errors: list[FieldError] = []
    for position, item in enumerate(employees, start=1):
        row = item.get("row", position)

        def fail(name: str, message: str, row=row) -> None:
            errors.append(_error(message, name, row=row, column=columns.get(name, COLUMN_ZH[name])))

        values = {}
        for name in EMPLOYEE_FIELDS:
            value = item.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                fail(name, "必填 / required")
                values[name] = None
        certificate = None
        if "certificate_number" not in values:
            try:
                certificate = parse_certificate_number(str(item["certificate_number"]))
            except IdentifierError as error:
                fail("certificate_number", str(error))
        months = None
        if "contract_months" not in values:
            months = _months(item["contract_months"])
            if months is None:
                fail(
                    "contract_months",
                    f"应为1至{MAX_CONTRACT_MONTHS}的整数月数 / "
                    f"a whole number of months from 1 to {MAX_CONTRACT_MONTHS}",
                )
        flags = {}
        for name in ("minimum_wage_met", "social_insurance_paid"):
            if name not in values:
                flags[name] = _yes_no(item[name])
                if flags[name] is None:
                    fail(name, "应填“是”或“否” / write 是 (yes) or 否 (no)")
        if certificate is not None:
            where = taken.get(certificate.id_number)
            if where is not None:
                fail(
                    "certificate_number",
                    f"与{where[0]}是同一人（身份证号相同） / "
                    f"the same person as {where[1]} (the same ID number)",
                )
            else:
                taken[certificate.id_number] = (f"第{row}行", f"row {row}")
        if certificate is not None and months is not None and None not in flags.values() and len(flags) == 2:
            cleaned.append(
                EmployeeInput(
                    row, certificate, months, flags["minimum_wage_met"], flags["social_insurance_paid"]
                )
            )
    return cleaned, errors


def declaration_employees_from_file(path: str | os.PathLike) -> list[dict]:
    """The employees of an xlsx or csv file (columns: 残疾人证号 / certificate_number, 劳动合同期限（月）/
    contract_months, 工资不低于最低工资标准 / minimum_wage_met (是/否), 足额缴纳社会保险 /
    social_insurance_paid (是/否)), each with its spreadsheet ``row``. Read with the person import's
    reader (size, type by content, zip-bomb guard); any error raises ``DeclarationError`` naming the row
    and the column as written in the file."""
    try:
        sheet = read_table(path, EMPLOYEE_COLUMNS)
    except FileRejected as error:
        raise DeclarationError([_error(Message(error.zh, error.en), "file")]) from None
    employees = [
        {"row": record["__row"], **{name: record.get(name) for name in EMPLOYEE_FIELDS}}
        for record in sheet.frame.iter_rows(named=True)
    ]
    _, errors = _clean_employees(employees, columns=sheet.headers)
    if errors:
        raise DeclarationError(errors)
    return employees


def declaration_employees_from_text(text: str) -> list[dict]:
    """Employees typed one per line (a page's text box): certificate number, contract months, 是/否,
    是/否, separated by commas, tabs or spaces; ``row`` is the line number. Blank lines are skipped."""
    employees = []
    errors = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part for part in re.split(r"[,，、;；\s]+", line.strip()) if part]
        if len(parts) != len(EMPLOYEE_FIELDS):
            errors.append(
                _error(
                    "应有4项：残疾人证号、合同月数、是否达到最低工资、是否足额缴纳社保"
                    f"（有{len(parts)}项） / "
                    f"4 values expected: certificate number, contract months, minimum wage, insurance "
                    f"({len(parts)} given)",
                    "employees",
                    row=number,
                    column="employees",
                )
            )
            continue
        employees.append({"row": number, **dict(zip(EMPLOYEE_FIELDS, parts, strict=True))})
    if errors:
        raise DeclarationError(errors)
    return employees


def _decimal(
    value, name: str, *, maximum: Decimal, positive: bool, errors: list[FieldError]
) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors.append(_error("应为数字 / enter a number", name))
        return None
    if positive and number <= 0:
        errors.append(_error("应大于0 / must be more than 0", name))
    elif number < 0:
        errors.append(_error("不能为负数 / cannot be negative", name))
    elif number > maximum:
        errors.append(_error("数值过大 / the number is too large", name))
    elif number != number.quantize(Decimal("0.01")):
        errors.append(_error("最多两位小数 / at most two decimals", name))
    else:
        return number.quantize(Decimal("0.01"))
    return None


# ---------------------------------------------------------------------------------------------------
# A correction's input


UNSET = type("Unset", (), {"__repr__": lambda self: "UNSET"})()


@dataclass(frozen=True)
class EmployeeChange:
    """New values for one listed employee; a value not given (``UNSET``) is left as it is. Values as typed
    (text, int or bool): ``declaration_correct`` checks them and names the field of a wrong one."""

    contract_months: object = UNSET
    minimum_wage_met: object = UNSET
    social_insurance_paid: object = UNSET

    def given(self) -> dict:
        return {name: value for name, value in vars(self).items() if value is not UNSET}


@dataclass(frozen=True)
class DeclarationCorrection:
    """What ``declaration_correct`` changes: new ``headcount`` and ``total_wages`` (None or "" leaves them),
    the employees to ``add`` (rows as ``declaration_employees_from_text`` gives them), the row ids to
    ``remove`` and, by row id, the values to ``change``."""

    headcount: Decimal | str | None = None
    total_wages: Decimal | str | None = None
    add: list[dict] = field(default_factory=list)
    remove: list[int] = field(default_factory=list)
    change: dict[int, EmployeeChange] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, changes: dict) -> DeclarationCorrection:
        """The older nested form: {headcount, total_wages, employees: {add, remove, change: {id: {…}}}}."""
        employees = changes.get("employees") or {}
        return cls(
            headcount=changes.get("headcount"),
            total_wages=changes.get("total_wages"),
            add=list(employees.get("add") or []),
            remove=list(employees.get("remove") or []),
            change={
                pk: EmployeeChange(
                    **{name: values[name] for name in EMPLOYEE_CHANGE_FIELDS if name in values}
                )
                for pk, values in (employees.get("change") or {}).items()
            },
        )

    def figures(self) -> dict:
        return {
            name: value
            for name, value in (("headcount", self.headcount), ("total_wages", self.total_wages))
            if value not in (None, "")
        }


EMPLOYEE_CHANGE_FIELDS = ("contract_months", "minimum_wage_met", "social_insurance_paid")
