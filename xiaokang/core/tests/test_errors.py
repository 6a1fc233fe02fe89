"""One error (core.errors.ServiceError) and one bilingual message (core.bilingual.Message)."""

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from xiaokang.core.bilingual import Message, bilingual, in_page_language
from xiaokang.core.errors import FieldError, ServiceError, add_to_form, api_answer

REQUIRED = Message("必填", "required")


# --- Message ---------------------------------------------------------------------------------------


def test_a_message_reads_chinese_then_english():
    assert str(REQUIRED) == "必填 / required"
    assert bilingual("必填", "required") == "必填 / required"
    assert str(Message("ABC", "ABC")) == "ABC / ABC"  # always both halves, as the code always wrote them


def test_a_message_is_parsed_from_its_text_and_back():
    said = Message.parse("金额须大于0 / the amount must be more than 0")
    assert (said.zh, said.en) == ("金额须大于0", "the amount must be more than 0")
    assert str(said) == "金额须大于0 / the amount must be more than 0"
    assert Message.parse("110108") == Message("110108", "110108")
    assert Message.parse(REQUIRED) is REQUIRED


def test_a_page_shows_the_half_in_its_language():
    with translation.override("zh-hans"):
        assert REQUIRED.local == "必填"
        assert in_page_language("必填 / required") == "必填"
    with translation.override("en"):
        assert REQUIRED.local == "required"
        assert in_page_language(REQUIRED) == "required"
        assert in_page_language("no separator") == "no separator"


def test_a_template_shows_both_or_the_page_language_escaped():
    message = Message("<b>粗</b>", "<b>bold</b>")
    template = Template("{{ message }}|{{ message.local }}")
    with translation.override("en"):
        assert template.render(Context({"message": message})) == (
            "&lt;b&gt;粗&lt;/b&gt; / &lt;b&gt;bold&lt;/b&gt;|&lt;b&gt;bold&lt;/b&gt;"
        )
    with translation.override("zh-hans"):
        assert template.render(Context({"message": message})).endswith("|&lt;b&gt;粗&lt;/b&gt;")


def test_a_catalogue_message_takes_its_chinese_from_the_translations():
    # "Note" is translated in locale/zh_Hans (the conflicts page's field label): 备注.
    with translation.override("zh-hans"):
        expected = translation.gettext("Note")
    assert expected != "Note"
    message = Message.from_catalogue("Note")
    with translation.override("en"):
        assert str(message) == f"{expected} / Note"
        assert message.local == "Note"
    with translation.override("zh-hans"):
        assert message.local == expected


def test_format_fills_both_halves():
    message = Message("第{row}行", "row {row}").format(row=3)
    assert str(message) == "第3行 / row 3"


# --- ServiceError ----------------------------------------------------------------------------------


def test_a_service_error_lists_its_faults_and_its_first_message():
    error = ServiceError(
        "invalid",
        [FieldError("amount", REQUIRED), FieldError("reason", "请填写原因 / give the reason", row=2)],
    )
    assert error.kind == "invalid" and error.status == 422
    assert error.field == "amount" and error.message == "必填 / required" and str(error) == error.message
    assert error.errors[1].as_dict() == {
        "row": 2,
        "field": "reason",
        "column": "reason",
        "message": "请填写原因 / give the reason",
    }
    assert error.errors[1]["message"] == "请填写原因 / give the reason"  # the mapping shape of reports
    assert error.by_field() == {"amount": "必填 / required", "reason": "请填写原因 / give the reason"}
    assert error.errors[1].where() == "row 2, reason"


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown ServiceError kind"):
        ServiceError("oops", [])


# --- the API's and the pages' one helper each ------------------------------------------------------


def test_the_api_answers_422_with_every_fault_named():
    error = ServiceError(
        "invalid", [FieldError("amount", REQUIRED), FieldError("contract_months", "x / y", column="合同")]
    )
    assert api_answer(error) == (
        422,
        {
            "detail": [
                {"field": "amount", "column": "amount", "message": "必填 / required"},
                {"field": "contract_months", "column": "合同", "message": "x / y"},
            ]
        },
    )


def test_the_api_names_the_default_field_for_an_error_about_none():
    assert api_answer(ServiceError.one("illegal", "不可 / not now"), field="action") == (
        422,
        {"detail": [{"field": "action", "column": "action", "message": "不可 / not now"}]},
    )


@pytest.mark.parametrize("kind, status", [("stale", 409), ("duty", 403), ("not_found", 404), ("limit", 429)])
def test_the_api_answers_other_kinds_with_one_detail(kind, status):
    assert api_answer(ServiceError.one(kind, "旧 / old", "version")) == (status, {"detail": "旧 / old"})


class _Form(forms.Form):
    amount = forms.CharField(required=False)


def test_a_page_puts_each_fault_next_to_its_field_in_its_language():
    form = _Form(data={})
    assert form.is_valid()
    error = ServiceError("invalid", [FieldError("amount", REQUIRED), FieldError("other", "别处 / elsewhere")])
    with translation.override("en"):
        add_to_form(form, error)
    assert form.errors["amount"] == ["required"]
    assert form.non_field_errors() == ["elsewhere"]
