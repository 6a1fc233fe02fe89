"""One way to type a date on every form (U11): a text box for year-month-day, the same hint everywhere,
2025/06/30 and 2025.06.30 read too.

A text box, not ``type=date``: the browser's date control shows the date in the browser's own order
(11/28/2026 on an English-language browser), which a hint could not describe, and screen readers handle
its three segments unevenly. Every form field that holds a date is a ``DayField`` (a test walks every
form and checks it), so a date is typed the same way on the screener, the staff filters and the
declaration form alike."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DAY_FORMAT = "%Y-%m-%d"
DAY_FORMATS = [DAY_FORMAT, "%Y/%m/%d", "%Y.%m.%d"]
DAY_HINT = _("Year-month-day, for example 2025-06-30.")


class DayInput(forms.DateInput):
    """The text box of a ``DayField``: short, a numeric keyboard on phones, no autocompletion."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None):
        super().__init__(
            attrs={"class": "short", "inputmode": "numeric", "autocomplete": "off", **(attrs or {})},
            format=DAY_FORMAT,
        )


class DayField(forms.DateField):
    """A date typed as year-month-day. ``help_text`` says what the date is for; the format hint
    follows it (or stands alone)."""

    widget = DayInput

    def __init__(self, *, help_text="", **kwargs):
        kwargs.setdefault("input_formats", DAY_FORMATS)
        kwargs.setdefault(
            "error_messages", {"invalid": _("Enter the date as year-month-day, for example 2025-06-30.")}
        )
        super().__init__(help_text=help_text or DAY_HINT, **kwargs)
