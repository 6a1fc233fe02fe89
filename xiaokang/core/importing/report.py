"""The import report (R5): the same for every dataset, on the page, in ``--report R.json`` and in the
error CSV."""

from __future__ import annotations

from dataclasses import dataclass, field

UNKNOWN_COLUMN = "未知列，已忽略 / unknown column, ignored"


@dataclass
class Report:
    """The import report R5 asks for; ``warnings`` (unknown columns) is an addition that changes nothing."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "column" (as headed in the file), "message"}
    warnings: list[dict] = field(default_factory=list)
    written: bool = False

    def as_json(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "warnings": self.warnings,
        }
