"""The API's person schemas (R1–R5; docs/api.md): what goes in (the import format's fields, one definition in
``importing/columns.py``) and what comes out (a person with ID, phone and certificate numbers masked:
never a clear number in API output)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema, create_model, field_validator

from xiaokang.core.ids import MAX_ROW_ID
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.importing.validate import CATEGORY_VALUES, ECONOMIC_VALUES, STATUS_VALUES
from xiaokang.registry.models import Certificate, Person
from xiaokang.registry.search import MAX_PAGE_SIZE, PAGE_SIZE
from xiaokang.registry.vocabulary import (
    CATEGORY_BY_CODE,
    CATEGORY_CODE,
    CATEGORY_ZH,
    ECONOMIC_STATUS_ZH,
    STATUS_ZH,
)

# ---------------------------------------------------------------------------------------------------
# Errors


class FieldError(Schema):
    field: str = Field(description="the field (or query parameter) in error")
    column: str = Field(description="its header in the import format (Chinese), or the field name")
    message: str = Field(description="what is wrong, in Chinese and English")


class ValidationErrorOut(Schema):
    detail: list[FieldError]


# ---------------------------------------------------------------------------------------------------
# Input: one person in the import format


def _as_text(value: Any) -> str | None:
    """A JSON value as the import cell it stands for: numbers as their digits, booleans as true/false (the
    import accepts both). The import's validator then judges it exactly as it judges a spreadsheet cell."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise ValueError("应为文本 / expected text")


def _as_text_or_list(value: Any) -> str | None:
    """Also a list of categories (names, identifiers or digits), joined as the import's cell would be."""
    if isinstance(value, list):
        return ",".join(_as_text(v) or "" for v in value)
    return _as_text(value)


def _text_field(*alternatives: dict, lists: bool = False) -> Any:
    """A text field that also takes the JSON types in ``alternatives`` (documented as such in OpenAPI)."""
    parts: list[Any] = [str | None, BeforeValidator(_as_text_or_list if lists else _as_text)]
    if alternatives:
        parts.append(WithJsonSchema({"anyOf": [{"type": "string"}, *alternatives, {"type": "null"}]}))
    return Annotated[tuple(parts)]  # type: ignore[return-value]


_INTEGER = {"type": "integer"}
_BOOLEAN = {"type": "boolean"}
_LIST = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
_FIELD_TYPES = {
    "category": _text_field(_INTEGER),
    "grade": _text_field(_INTEGER),
    "multiple_categories": _text_field(_LIST, lists=True),
    "family_planning_hardship": _text_field(_BOOLEAN),
    "dangerous_house": _text_field(_BOOLEAN),
    "self_care": _text_field(_BOOLEAN),
    "work_injury_care": _text_field(_BOOLEAN),
}


class _Strict(Schema):
    # An unknown field is an error naming it (a typo must not be silently ignored).
    model_config = ConfigDict(extra="forbid")


class _StrictNew(_Strict):
    # Documented as required (OpenAPI); still optional to pydantic, so that the import's validator names
    # every missing or wrong field in one answer, exactly as for a spreadsheet row.
    model_config = ConfigDict(json_schema_extra={"required": [c.field for c in PERSON_COLUMNS if c.required]})


def _build(name: str, doc: str, *, base: type[Schema]) -> type[Schema]:
    fields: dict[str, Any] = {}
    for column in PERSON_COLUMNS:
        description = f"{column.zh}: {column.values_zh} ({column.values_en})"
        if column.default is not None:
            description += f"; 默认 / default: {column.default}"
        kind = _FIELD_TYPES.get(column.field, _text_field())
        fields[column.field] = (kind, Field(None, description=description))
    return create_model(name, __base__=base, __doc__=doc, **fields)  # type: ignore[call-overload]


PersonCreate = _build(
    "PersonCreate",
    "A new person in the import format (Chinese labels, identifiers or digits, as in a spreadsheet).",
    base=_StrictNew,
)
PersonUpdate = _build(
    "PersonUpdate",
    "Any subset of the import format's fields; the ID number cannot be changed.",
    base=_Strict,
)


def person_values_from(payload: Schema) -> dict[str, str]:
    """The fields the client sent (explicit nulls included: they empty the cell), as import text."""
    return {
        key: ("" if value is None else value) for key, value in payload.model_dump(exclude_unset=True).items()
    }


# ---------------------------------------------------------------------------------------------------
# Input: search filters


def _vocabulary(values: dict[str, str], name: str, allowed: dict[str, str]):
    def check(value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        text = value.strip()
        found = values.get(text) or values.get(text.lower())
        if found is None:
            choices = ", ".join(f"{ident} ({zh})" for ident, zh in allowed.items())
            raise ValueError(f"未知{name} / unknown value; one of: {choices}")
        return found

    return check


_category = _vocabulary(CATEGORY_VALUES, "残疾类别", CATEGORY_ZH)
_economic = _vocabulary(ECONOMIC_VALUES, "家庭经济状况", ECONOMIC_STATUS_ZH)
_status = _vocabulary(STATUS_VALUES, "人员状态", STATUS_ZH)


class PersonQuery(Schema):
    """Filters of the person list; all optional, combined with AND, always within the caller's area."""

    street: str | None = Field(
        None, pattern=r"^\d{9}(\d{3})?$", description="街道乡镇 code, 9 or 12 digits (110108001 …)"
    )
    community: str | None = Field(None, pattern=r"^\d{12}$", description="社区村 code, 12 digits")
    category: str | None = Field(
        None, description="category of the active certificate: visual … multiple, 视力 … 多重, or 1–7"
    )
    grade: int | None = Field(None, ge=1, le=4, description="grade of the active certificate, 1–4")
    economic_status: str | None = Field(
        None, description="dibao, low_income, extremely_poor, ordinary (or 低保 低收入 特困 一般)"
    )
    status: str | None = Field(None, description="normal, moved_out, deceased (or 正常 迁出 死亡)")
    search: str | None = Field(None, max_length=50, description="the start of the name (姓名前缀)")
    id_number: str | None = Field(
        None, max_length=18, description="公民身份号码, exact (matched through the blind index)"
    )
    certificate_number: str | None = Field(None, max_length=22, description="残疾人证号, exact")
    after: int | None = Field(None, ge=0, le=MAX_ROW_ID, description="the `next_after` of the previous page")
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"page size, at most {MAX_PAGE_SIZE}")

    @field_validator("category")
    @classmethod
    def _check_category(cls, value):
        return _category(value)

    @field_validator("economic_status")
    @classmethod
    def _check_economic(cls, value):
        return _economic(value)

    @field_validator("status")
    @classmethod
    def _check_status(cls, value):
        return _status(value)


class PersonSearch(PersonQuery):
    """The filters of the person list as a JSON body; an unknown key is an error (a misspelt filter must
    not silently return everyone)."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------------
# Output


class CertificateOut(Schema):
    number: str = Field(
        description="残疾人证号, masked: masked ID number + category digit + grade digit (+B1–B9)"
    )
    category: str
    grade: int
    components: list[str] = Field(description="component categories of a 多重 certificate")
    issued_on: dt.date
    valid_until: dt.date
    status: str


class _PersonFields(Schema):
    """What a person's record and a list item share; they differ in how the birth is given."""

    id: int
    name: str
    id_number_masked: str = Field(description="公民身份号码, masked (the clear number is never sent)")
    sex: str
    hukou: str
    street_code: str
    street_name: str
    community_code: str
    community_name: str
    household: str = Field(description="家庭编号 (household key)")
    relation: str
    economic_status: str
    family_planning_hardship: bool
    dangerous_house: bool
    employment: str
    self_care: bool
    work_injury_care: bool
    status: str
    status_changed_on: dt.date | None
    phone_masked: str = Field(description="联系电话, masked (138****5678); empty when there is none")
    address: str
    version: int
    certificate: CertificateOut | None = Field(description="the active certificate")


class PersonOut(_PersonFields):
    """One person (``GET /api/v1/persons/{id}``, audited as a view): the full birth date."""

    birth_date: dt.date


class PersonListItem(_PersonFields):
    """A person in a list or search answer: the birth YEAR only. The masked ID keeps the address code
    and the last four digits; its eight hidden digits are exactly the birth date, so a list carrying
    both would give every reader the whole ID number (PIPL art. 28; U11). With the year the month and
    day stay hidden: 365 candidates, of which the check digit leaves about 33."""

    birth_year: int = Field(description="出生年份 (the full birth date is on the audited person view)")


class PersonPage(Schema):
    items: list[PersonListItem]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


def certificate_out(person: Person, certificate: Certificate | None) -> dict | None:
    if certificate is None:
        return None
    return {
        # The number is derived, never stored (models.Certificate); from the masked ID it stays masked.
        "number": f"{person.id_number_masked}{CATEGORY_CODE[certificate.category]}{certificate.grade}"
        f"{certificate.reissue}",
        "category": certificate.category,
        "grade": certificate.grade,
        "components": [CATEGORY_BY_CODE[int(digit)] for digit in certificate.components],
        "issued_on": certificate.issued_on,
        "valid_until": certificate.valid_until,
        "status": certificate.status,
    }


def person_list_item(person: Person, certificate: Certificate | None) -> dict:
    """``person_out`` without the birth date, for lists and searches (PersonListItem)."""
    item = person_out(person, certificate)
    item["birth_year"] = item.pop("birth_date").year
    return item


def person_out(person: Person, certificate: Certificate | None) -> dict:
    """``person`` with street, community and household loaded (``search_persons`` and ``person_for``
    load them)."""
    household = person.household
    return {
        "id": person.pk,
        "name": person.name,
        "id_number_masked": person.id_number_masked,
        "birth_date": person.birth_date,
        "sex": person.sex,
        "hukou": person.hukou,
        "street_code": person.street.code,
        "street_name": person.street.name,
        "community_code": person.community.code,
        "community_name": person.community.name,
        "household": household.key,
        "relation": person.relation,
        "economic_status": household.economic_status,
        "family_planning_hardship": household.family_planning_hardship,
        "dangerous_house": household.dangerous_house,
        "employment": person.employment,
        "self_care": person.self_care,
        "work_injury_care": person.work_injury_care,
        "status": person.status,
        "status_changed_on": person.status_changed_on,
        "phone_masked": person.phone_masked,
        "address": person.address,
        "version": person.version,
        "certificate": certificate_out(person, certificate),
    }
