"""The employers API (E1): ``GET /api/v1/employers`` (search, filters, limit/offset) and
``GET /api/v1/employers/{id}``. The scope is ``selectors.employers_for``/``employer_for``: a street
officer sees the employers of their street (404 for any other, audited), district staff all of them.
The community worker, the auditor and the security administrator get 403 (audited by ``TokenAuth``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from xiaokang.accounts.api import DetailOut, TokenAuth
from xiaokang.core.ids import MAX_ROW_ID
from xiaokang.employment.models import EMPLOYER_TYPE_ZH, Employer
from xiaokang.employment.selectors import EmployerFilters, employer_for, search_employers
from xiaokang.policies.engine.facts import EMPLOYER_TYPE_VALUES
from xiaokang.registry.schemas import ValidationErrorOut

router = Router(tags=["employers"], auth=TokenAuth("employer.read"))
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
ERRORS = {401: DetailOut, 403: DetailOut, 404: DetailOut, 422: ValidationErrorOut}
READ_ERRORS = {k: v for k, v in ERRORS.items() if k != 404}


class EmployerQuery(Schema):
    """Filters of the employer list; all optional, combined with AND, always within the caller's area."""

    q: str | None = Field(
        None, max_length=200, description="a part of the name, or the start of the 统一社会信用代码"
    )
    street: str | None = Field(None, pattern=r"^\d{9}(\d{3})?$", description="街道乡镇 code, 9 or 12 digits")
    type: str | None = Field(
        None,
        description="enterprise government_organ public_institution social_organization "
        "private_non_enterprise (or 企业 机关 事业单位 社会团体 民办非企业单位)",
    )
    committee_member: bool | None = Field(None, description="残工委成员单位: true or false")
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"page size, at most {MAX_PAGE_SIZE}")
    offset: int = Field(0, ge=0, le=MAX_ROW_ID, description="how many matching employers to skip")

    @field_validator("type")
    @classmethod
    def _check_type(cls, value):
        if value is None or value == "":
            return None
        known = EMPLOYER_TYPE_VALUES.get(value) or EMPLOYER_TYPE_VALUES.get(value.lower())
        if known is None:
            raise ValueError(f"未知单位类型“{value}” / unknown employer type “{value}”")
        return known


class EmployerOut(Schema):
    id: int
    uscc: str = Field(description="统一社会信用代码 (GB 32100-2015)")
    name: str
    type: str = Field(description="the type's identifier")
    type_zh: str = Field(description="the type's Chinese name")
    state_owned: bool
    street_code: str = Field(description="the street's 12-digit code")
    street_name: str
    committee_member: bool = Field(description="残工委成员单位")


class EmployerPage(Schema):
    items: list[EmployerOut]
    count: int = Field(description="how many employers match, in all")
    limit: int
    offset: int


def _out(employer: Employer) -> dict:
    return {
        "id": employer.pk,
        "uscc": employer.uscc,
        "name": employer.name,
        "type": employer.employer_type,
        "type_zh": EMPLOYER_TYPE_ZH[employer.employer_type],
        "state_owned": employer.state_owned,
        "street_code": employer.street.code,
        "street_name": employer.street.name,
        "committee_member": employer.committee_member,
    }


@router.get("", response={200: EmployerPage, **READ_ERRORS}, summary="List and search employers")
def employers_list(request: HttpRequest, query: Query[EmployerQuery]):
    """Employers in your area by name, filtered; paged with `limit` and `offset`."""
    employers = search_employers(
        request.auth,
        EmployerFilters(
            q=query.q or "",
            employer_type=query.type or "",
            street=query.street or "",
            committee_member=query.committee_member,
        ),
    )
    page = employers[query.offset : query.offset + query.limit]
    return {
        "items": [_out(e) for e in page],
        "count": employers.count(),
        "limit": query.limit,
        "offset": query.offset,
    }


@router.get("/{int:employer_id}", response={200: EmployerOut, **ERRORS}, summary="One employer")
def employer_detail(request: HttpRequest, employer_id: int):
    """An employer in your area (404 otherwise, and the attempt is audited)."""
    return _out(employer_for(request.auth, employer_id))  # an id past 64 bits: 404 too
