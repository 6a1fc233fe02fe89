"""Every app's refusal is a core.errors.ServiceError (ARCHITECTURE rule 7): the kinds, fields and the
ValueError base some callers catch stay as they were."""

import pytest

from xiaokang.accounts.services import AccountError
from xiaokang.cases.services import WorkflowError
from xiaokang.cases.temporary import amount_in_fen
from xiaokang.core.errors import STATUS, FieldError, ServiceError, api_answer
from xiaokang.employment.declarations import DeclarationError
from xiaokang.interpreting.services import InterpretingError
from xiaokang.portal.applicants import ApplicantError
from xiaokang.registry.services import RegistryError
from xiaokang.registry.transfers import TransferError


@pytest.mark.parametrize(
    "error, kind, field",
    [
        (WorkflowError("stale", "旧 / old", "version"), "stale", "version"),
        (InterpretingError("taken", "已约 / taken"), "taken", ""),
        (DeclarationError([{"row": 3, "field": "f", "column": "列", "message": "m / m"}]), "invalid", "f"),
        (ApplicantError("phone", "手机号不对 / wrong phone"), "invalid", "phone"),
        (RegistryError("规则 / rule"), "invalid", ""),
        (TransferError("规则 / rule"), "invalid", "body"),
        (AccountError("区域 / area"), "invalid", ""),
    ],
)
def test_every_app_error_is_a_service_error(error, kind, field):
    assert isinstance(error, ServiceError)
    assert error.kind == kind and error.field == field
    assert error.status == STATUS[kind]


def test_app_errors_that_were_value_errors_still_are():
    for error in (RegistryError("x"), AccountError("x"), ApplicantError("f", "x"), TransferError("x")):
        assert isinstance(error, ValueError)


def test_declaration_errors_keep_their_one_line_text():
    error = DeclarationError(
        [
            FieldError("contract_months", "应为整数 / whole months", column="劳动合同期限（月）", row=4),
            FieldError("headcount", "应为数字 / enter a number"),
        ]
    )
    assert (
        str(error)
        == "row 4, 劳动合同期限（月）: 应为整数 / whole months; headcount: 应为数字 / enter a number"
    )


def test_the_interpreting_booking_form_keeps_every_fault():
    faults = {"requester_name": "姓名 / name", "phone": "号码 / phone"}
    error = InterpretingError("invalid", "姓名 / name", "requester_name", faults)
    assert error.by_field() == faults
    assert error.message == "姓名 / name" and error.field == "requester_name"


def test_a_transition_refused_by_separation_of_duties_answers_403():
    assert api_answer(WorkflowError("duty", "须由他人 / someone else"), field="action") == (
        403,
        {"detail": "须由他人 / someone else"},
    )


def test_temporary_assistance_amounts_go_through_core_money():
    assert amount_in_fen("1,000.50") == 100050
    with pytest.raises(WorkflowError) as refused:
        amount_in_fen("1.005")
    assert refused.value.field == "amount" and "at most two decimals" in refused.value.message
    with pytest.raises(WorkflowError, match="more than 0"):
        amount_in_fen("0")
