"""The one table wrapper (core/templatetags/table_region.py): a named, keyboard-reachable region."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def render(source: str, **context) -> str:
    return Template("{% load i18n table_region %}" + source).render(Context(context))


def test_the_region_is_named_by_the_caption_and_reachable_by_keyboard():
    html = render(
        '{% tableregion "people-caption" caption="People" class="queue" %}<tbody></tbody>{% endtableregion %}'
    )

    assert html == (
        '<div class="table-region" role="region" aria-labelledby="people-caption" tabindex="0">\n'
        '<table class="queue">\n<caption id="people-caption"><span>People</span></caption>'
        "<tbody></tbody></table>\n</div>"
    )


def test_a_region_named_by_a_heading_has_no_caption_and_contained_keeps_it_in_the_column():
    html = render('{% tableregion "pending-title" contained=True %}<tbody></tbody>{% endtableregion %}')

    assert html.startswith(
        '<div class="table-region contained" role="region" aria-labelledby="pending-title" tabindex="0">\n'
        "<table><tbody>"
    )
    assert "<caption" not in html


def test_the_caption_is_escaped_and_translated():
    html = render('{% tableregion "c" caption=text %}{% endtableregion %}', text="<b>&</b>")
    assert "<span>&lt;b&gt;&amp;&lt;/b&gt;</span>" in html

    with translation.override("zh-hans"):
        html = render('{% tableregion "c" caption=_("Who") %}{% endtableregion %}')
    assert "<span>操作人</span>" in html


def test_a_misspelt_option_is_a_template_error_not_a_silent_omission():
    with pytest.raises(TemplateSyntaxError):
        render('{% tableregion "c" captoin="x" %}{% endtableregion %}')
    with pytest.raises(TemplateSyntaxError):
        render("{% tableregion %}{% endtableregion %}")


def test_tables_written_by_hand_keep_the_same_region_pattern():
    # The few regions the tag cannot write (an id computed in a loop, pages other mechanisms own) must
    # still be named, keyboard-reachable regions, as the tag writes them.
    from pathlib import Path

    import xiaokang

    root = Path(xiaokang.__file__).parent / "templates"
    wrong = [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in root.rglob("*.html")
        for line in path.read_text(encoding="utf-8").splitlines()
        if 'class="table-region' in line
        and not ('role="region"' in line and 'tabindex="0"' in line and 'aria-labelledby="' in line)
    ]
    assert wrong == []
