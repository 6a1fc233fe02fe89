"""The one tabular import framework (R5): a dataset declares its columns, rules, key, scope and writer;
the framework reads the file safely, validates column-wise, reports, writes set-wise, and gives the
template and the upload → check → confirm pages. See docs/architecture/imports.md."""

from xiaokang.core.importing.columns import (
    Choice,
    Column,
    CreditCode,
    Date,
    IdNumber,
    Integer,
    ManyOf,
    Message,
    Money,
    Month,
    Text,
    Type,
    Year,
    vocabulary,
    yes_no,
)
from xiaokang.core.importing.dataset import Dataset, Plan, ScopeResult, Validation, classify, counted
from xiaokang.core.importing.reader import FileRejected, read_table
from xiaokang.core.importing.registry import dataset, datasets, register
from xiaokang.core.importing.report import Report
from xiaokang.core.importing.rules import Context, ErrorCollector, Rule, Step, one_per_key

__all__ = [
    "Choice",
    "Column",
    "Context",
    "CreditCode",
    "Dataset",
    "Date",
    "ErrorCollector",
    "FileRejected",
    "IdNumber",
    "Integer",
    "ManyOf",
    "Message",
    "Money",
    "Month",
    "Plan",
    "Report",
    "Rule",
    "ScopeResult",
    "Step",
    "Text",
    "Type",
    "Validation",
    "Year",
    "classify",
    "counted",
    "dataset",
    "datasets",
    "one_per_key",
    "read_table",
    "register",
    "vocabulary",
    "yes_no",
]
