"""Annual quota declarations (按比例就业年审, requirement E1).

An employer declares, for levy year Y, last year's average headcount and total wages and its disabled
employees one by one; the registry check (``declaration_checks``) decides which of them count; staff
correct a declaration (each change kept in its history), resolve a person listed by two employers, and
approve it, which fixes the levy: the ``employment_levy`` policy's decision (``policies.employers``) is
stored with the parameters it used.

By concern: ``columns`` (levy years, limits, the employee columns), ``errors`` (``DeclarationError``, a
ServiceError), ``parsing`` (employees from a file or typed lines, figures, the typed input of a
correction) and ``services`` (submit, recheck, correct, resolve, approve). The public names are
re-exported here: ``from xiaokang.employment.declarations import declaration_submit`` keeps working.

Every service is keyword-only, takes the ``actor``, runs in one transaction with its audit event, and
writes nothing when it refuses (``DeclarationError``, each error naming its row or field, in
"中文 / English"). Corrections and approval name the version the officer read: a stale version is a
conflict, as for applications (``cases.services``). The caller lets the employer or declaration through
its gate first (``declaration_selectors``); the services check role and scope again."""

from xiaokang.employment.declarations.columns import (
    COLUMN_ZH,
    DEFAULT_DECLARATION_WINDOW,
    EMPLOYEE_COLUMNS,
    EMPLOYEE_FIELDS,
    FIRST_LEVY_YEAR,
    MAX_CONTRACT_MONTHS,
    MAX_HEADCOUNT,
    MAX_WAGES,
)
from xiaokang.employment.declarations.errors import DeclarationError
from xiaokang.employment.declarations.parsing import (
    DeclarationCorrection,
    EmployeeChange,
    EmployeeInput,
    declaration_employees_from_file,
    declaration_employees_from_text,
)
from xiaokang.employment.declarations.services import (
    conflict_resolve,
    declaration_approve,
    declaration_correct,
    declaration_recheck,
    declaration_submit,
    declaration_window,
)

__all__ = [
    "COLUMN_ZH",
    "DEFAULT_DECLARATION_WINDOW",
    "EMPLOYEE_COLUMNS",
    "EMPLOYEE_FIELDS",
    "FIRST_LEVY_YEAR",
    "MAX_CONTRACT_MONTHS",
    "MAX_HEADCOUNT",
    "MAX_WAGES",
    "DeclarationCorrection",
    "DeclarationError",
    "EmployeeChange",
    "EmployeeInput",
    "conflict_resolve",
    "declaration_approve",
    "declaration_correct",
    "declaration_employees_from_file",
    "declaration_employees_from_text",
    "declaration_recheck",
    "declaration_submit",
    "declaration_window",
]
