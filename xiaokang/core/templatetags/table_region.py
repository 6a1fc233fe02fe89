"""One wrapper for every data table on the staff and portal pages (docs/architecture/templates.md).

A wide table must scroll on its own at 400 % zoom and with large text (U11, WCAG 1.4.10) without the page
scrolling sideways: it sits in a region that the keyboard can reach (tabindex=0, so it can be scrolled
with the arrow keys) and that a screen reader names after the table's caption (role=region,
aria-labelledby). Written by hand on each page, one of the three attributes went missing sooner or
later; this tag writes them, and the caption, the same way everywhere::

    {% load table_region %}
    {% tableregion "history-caption" caption=_("Changes to this record, newest first") class="history" %}
      <thead>…</thead>
      <tbody>…</tbody>
    {% endtableregion %}

Arguments: the id of the element that names the region (the caption's id when a caption is given;
otherwise a heading's id, and the table brings no caption), ``caption`` (optional; text, escaped),
``class`` (optional: the table's class), ``contained`` (optional: True keeps the region within the text
column, class "table-region contained"), ``wide`` (optional: True lets a staff list's wide table use the
screen's width beyond the text column, class "table-region wide"; core.listing, docs/staff-lists.md).
"""

from __future__ import annotations

from django import template
from django.template.base import token_kwargs
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


class TableRegionNode(template.Node):
    def __init__(self, labelledby, kwargs, nodelist):
        self.labelledby = labelledby
        self.kwargs = kwargs
        self.nodelist = nodelist

    def render(self, context):
        labelledby = self.labelledby.resolve(context)
        options = {name: value.resolve(context) for name, value in self.kwargs.items()}
        region_class = "table-region contained" if options.get("contained") else "table-region"
        if options.get("wide"):
            region_class += " wide"
        table_open = mark_safe("<table>")
        if options.get("class"):
            table_open = format_html('<table class="{}">', options["class"])
        caption = ""
        if options.get("caption") not in (None, ""):
            caption = format_html(
                '\n<caption id="{}"><span>{}</span></caption>', labelledby, options["caption"]
            )
        return format_html(
            '<div class="{}" role="region" aria-labelledby="{}" tabindex="0">\n{}{}{}</table>\n</div>',
            region_class,
            labelledby,
            table_open,
            caption,
            self.nodelist.render(context),
        )


@register.tag("tableregion")
def tableregion(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            "tableregion takes the id that names the region, then name=value options"
        )
    labelledby = parser.compile_filter(bits[1])
    kwargs = token_kwargs(bits[2:], parser, support_legacy=False)
    unknown = set(kwargs) - {"caption", "class", "contained", "wide"}
    if unknown or len(kwargs) != len(bits) - 2:
        raise template.TemplateSyntaxError(
            f"tableregion: unknown or malformed options {sorted(unknown) or bits[2:]}"
        )
    nodelist = parser.parse(("endtableregion",))
    parser.delete_first_token()
    return TableRegionNode(labelledby, kwargs, nodelist)
