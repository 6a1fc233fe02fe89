"""Name the fields of a form that one fieldset shows (docs/architecture/templates.md, U11).

``_fieldset.html`` writes a fieldset, its legend and one labelled control per field (``_field.html`` or,
for radio buttons, ``_choice_group.html``); the page says which fields, in which order::

    {% load form_fields %}
    {% translate "About you" as legend %}
    {% include "_fieldset.html" with legend=legend fields=form|fields:"name id_number phone" %}

A name the form does not have is an error (KeyError), not an empty fieldset.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def fields(form, names: str) -> list:
    """The bound fields of ``form`` named in ``names`` (separated by spaces), in that order."""
    return [form[name] for name in names.split()]
