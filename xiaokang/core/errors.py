"""One error for every refusal a person can cause (ARCHITECTURE rule 7): ``ServiceError(kind, errors)``.

A service that refuses raises a ServiceError (or an app's subclass of it: WorkflowError, DeclarationError
…) and changes nothing. ``kind`` says what sort of refusal it is, and so what a page or the API answers
(``STATUS``); ``errors`` lists every ``FieldError`` found, each naming its field (and the file's row and
column when it came from a file) with a message in Chinese and English (a ``Message`` or "中文 / English"
text). Programming errors are not ServiceErrors: they are not caught.

Pages map a ServiceError with ``add_to_form``, the API with ``api_answer``: one helper each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from xiaokang.core.bilingual import Message

# kind → the HTTP status a page or the API answers. The generic kinds first; then the finer kinds the
# apps have always used and their callers test (a stale form and a slot taken meanwhile are conflicts,
# a separation-of-duties refusal is forbidden, a rate limit is 429).
STATUS = {
    "invalid": 422,  # the input breaks a rule
    "illegal": 422,  # not allowed in this state or to this role
    "conflict": 409,  # the record changed or exists already
    "stale": 409,  # the record changed since it was read (the version sent is old)
    "taken": 409,  # a slot or a name was taken meanwhile
    "forbidden": 403,  # this actor may not do this
    "duty": 403,  # separation of duties (U11, G2): an earlier step of this officer bars this one
    "not_found": 404,  # no such record in the actor's scope (no existence leak)
    "limit": 429,  # too many tries
}


@dataclass(frozen=True)
class FieldError:
    """One fault: ``field`` (the input's name, "" for the whole request), its ``message``; ``column`` (the
    file's or the form's heading, default the field) and ``row`` (the file's row) when it came from a
    file. Also readable as a mapping (``error["message"]``), the shape import reports and tests use."""

    field: str
    message: str | Message
    column: str | None = None
    row: int | None = None

    @property
    def text(self) -> str:
        """The message as "中文 / English" text."""
        return str(self.message)

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "field": self.field,
            "column": self.column or self.field,
            "message": self.text,
        }

    def __getitem__(self, key: str):
        return self.as_dict()[key]

    def get(self, key: str, default=None):
        return self.as_dict().get(key, default)

    def where(self) -> str:
        """ "row 3, 姓名": where the fault is, for one line of text (CLI, logs)."""
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column or self.field:
            parts.append(str(self.column or self.field))
        return ", ".join(parts)


class FieldErrors(list):
    """The faults, in order; ``errors["phone"]`` also gives a field's first message (the {field: message}
    shape some callers read)."""

    def __getitem__(self, key):
        if isinstance(key, str):
            for error in self:
                if error.field == key:
                    return error.text
            raise KeyError(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        if isinstance(key, str):
            return any(error.field == key for error in self)
        return super().__contains__(key)


class ServiceError(Exception):
    """A refused write; nothing was written. ``message`` defaults to the first error's."""

    def __init__(self, kind: str, errors: Iterable[FieldError] = (), message: str | Message | None = None):
        if kind not in STATUS:
            raise ValueError(f"unknown ServiceError kind {kind!r} (core.errors.STATUS)")
        self.kind = kind
        self.errors: FieldErrors = FieldErrors(errors)
        if message is None:
            message = self.errors[0].message if self.errors else ""
        self.message = str(message)
        super().__init__(self.message)

    @classmethod
    def one(cls, kind: str, message: str | Message, field: str = "", **more) -> ServiceError:
        """The common case: one message about one field (or none)."""
        return cls(kind, [FieldError(field, message, **more)])

    @property
    def field(self) -> str:
        """The first error's field ("" when the error is about no one field)."""
        return self.errors[0].field if self.errors else ""

    @property
    def status(self) -> int:
        return STATUS[self.kind]

    def by_field(self) -> dict[str, str]:
        """{field: message} (the first message of each field), for a form."""
        found: dict[str, str] = {}
        for error in self.errors:
            found.setdefault(error.field, error.text)
        return found

    def __iter__(self) -> Iterator[FieldError]:
        return iter(self.errors)


def api_answer(error: ServiceError, *, field: str = "") -> tuple[int, dict]:
    """(status, body) for the API: a 422 lists every fault as ``{"detail": [{field, column, message}]}``
    (the shape of every validation error, config/api.py ``_invalid``); 403, 404, 409 and 429 answer
    ``{"detail": message}``. ``field`` names the input for an error about none (a transition's "action").
    Use: ``return Status(*api_answer(error))``."""
    if error.status != 422:
        return error.status, {"detail": error.message}
    errors = error.errors or [FieldError("", error.message)]
    detail = []
    for item in errors:
        name = item.field or field
        detail.append({"field": name, "column": item.column or name, "message": item.text})
    return 422, {"detail": detail}


def add_to_form(form, error: ServiceError, *, page_language: bool = True) -> None:
    """Put each fault next to its field on a Django form (or at the top when the form has no such field),
    in the page's language (``page_language=False``: "中文 / English" as it is)."""
    for item in error.errors or [FieldError("", error.message)]:
        message = Message.parse(item.message).local if page_language else item.text
        form.add_error(item.field if item.field in form.fields else None, message)
