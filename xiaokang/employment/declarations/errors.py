"""The declarations' refusal: a ServiceError whose errors each name a row (of the file or the typed
lines) or a figure, and the column as written (ARCHITECTURE rule 7)."""

from __future__ import annotations

from xiaokang.core.bilingual import Message
from xiaokang.core.errors import FieldError, ServiceError


class DeclarationError(ServiceError):
    """A refused write; nothing was written. ``errors``: FieldErrors (row None for a figure of the
    declaration; message "中文 / English"; each also reads as {row, field, column, message}). ``kind``:
    ``invalid`` (the input), ``illegal`` (not allowed in this state or to this user), ``stale`` (the
    declaration changed since it was read)."""

    def __init__(self, errors: list[FieldError | dict], kind: str = "invalid"):
        items = [error if isinstance(error, FieldError) else _from_dict(error) for error in errors]
        super().__init__(kind, items)

    def __str__(self) -> str:
        return "; ".join(
            (f"{error.where()}: " if error.where() else "") + error.text for error in self.errors
        )


def _from_dict(error: dict) -> FieldError:
    return FieldError(
        error.get("field") or "", error["message"], column=error.get("column") or None, row=error.get("row")
    )


def _error(
    message: str | Message, field: str = "", *, row: int | None = None, column: str = ""
) -> FieldError:
    return FieldError(field, message, column=column or field, row=row)


def _refuse(message: str, field: str = "", kind: str = "illegal"):
    raise DeclarationError([_error(message, field)], kind)
