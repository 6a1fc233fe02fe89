"""The form and page pieces (docs/architecture/templates.md).

Fieldset, form actions, error page, import counts.
"""

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class BookingForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    name = forms.CharField(label="Name", help_text="As on the ID card")
    note = forms.CharField(label="Note", required=False)


def test_fields_names_the_fields_in_order_and_each_gets_its_control():
    form = BookingForm(data={"kind": "x"})
    html = Template(
        "{% load form_fields %}"
        '{% include "_fieldset.html" with legend="Who" fields=form|fields:"name kind" %}'
    ).render(Context({"form": form}))

    assert "<legend>Who</legend>" in html
    assert html.index('for="id_name"') < html.index('name="kind"')
    assert 'name="note"' not in html
    # Radio buttons are one question (a fieldset of their own, _choice_group.html);
    # the text field is a labelled field.
    assert html.count("<fieldset") == 2
    assert 'aria-describedby="id_name_helptext' in html
    assert 'id="id_kind_error"' in html or "field-error" in html


def test_fields_refuses_a_name_the_form_does_not_have():
    with pytest.raises(KeyError):
        Template('{% load form_fields %}{{ form|fields:"nom" }}').render(Context({"form": BookingForm()}))


def test_form_actions_submit_and_a_cancel_link_named_cancel_unless_told():
    html = render_to_string("_form_actions.html", {"submit_label": "Save", "cancel_href": "/back/"})
    assert '<button type="submit">Save</button>' in html
    assert '<a href="/back/">Cancel</a>' in html

    html = render_to_string(
        "_form_actions.html",
        {"submit_label": "Book", "cancel_href": "/b/#free", "cancel_label": "Another time"},
    )
    assert '<a href="/b/#free">Another time</a>' in html

    html = render_to_string("_form_actions.html", {"submit_label": "Find"})
    assert "<a " not in html


def test_error_pages_keep_their_heading_texts_and_the_way_home():
    html = render_to_string("500.html")
    assert "<title>Something went wrong – Xiaokang</title>" in html
    assert "<h1>Something went wrong</h1>" in html
    assert html.count("<p>") >= 3 and 'href="/"' in html

    with translation.override("zh-hans"):
        html = render_to_string("403_csrf.html")
    assert "Go to the home page" not in html and "The form has expired" not in html


@pytest.mark.parametrize(
    ("template", "done", "to_do"),
    [
        ("registry/batch/_import_counts.html", "New persons", "New persons (to be created)"),
        ("employment/employers/_import_counts.html", "New employers", "New employers (to be created)"),
    ],
)
def test_import_counts_name_the_dataset_and_the_state(template, done, to_do):
    report = {"rows": 3, "errors": [], "created": 2, "updated": 1, "unchanged": 0, "warnings": []}
    html = render_to_string(template, {"report": report, "state": "done", "errors_total": 0})
    assert f"<dt>{done}</dt>" in html and "<dd>2</dd>" in html

    html = render_to_string(template, {"report": report, "state": "report", "errors_total": 0})
    assert f"<dt>{to_do}</dt>" in html
