"""Forms of the batch pages (import, export). They parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaokang.core.importing.forms import IMPORT_ACCEPT, ImportUploadForm  # noqa: F401 (moved)
from xiaokang.core.models import Area, AreaLevel

FORMAT_CHOICES = [
    ("xlsx", _("Excel workbook (.xlsx)")),
    ("csv", _("CSV, UTF-8 (.csv)")),
]


def street_choices() -> list[tuple[str, str]]:
    """Every street and town of the district (public reference data), by code."""
    return list(Area.objects.filter(level=AreaLevel.STREET).order_by("code").values_list("code", "name"))


class ExportForm(forms.Form):
    street = forms.ChoiceField(label=_("Street or town"), required=False)
    format = forms.ChoiceField(
        label=_("File format"), choices=FORMAT_CHOICES, initial="xlsx", widget=forms.RadioSelect
    )
    full = forms.BooleanField(
        label=_("Full ID and phone numbers"),
        required=False,
        help_text=_(
            "Only for a district administrator, and only when the recipient needs them: the file then "
            "holds sensitive personal information in clear. The export is recorded in the audit trail."
        ),
    )

    def __init__(self, *args, streets: list[tuple[str, str]] | None, allow_full: bool, **kwargs):
        """``streets`` None: the actor's own area decides (street and community roles see no filter);
        ``allow_full`` False: the field does not exist (the view refuses anyone else who posts it)."""
        super().__init__(*args, **kwargs)
        if streets is None:
            del self.fields["street"]
        else:
            self.fields["street"].choices = [("", _("All streets and towns")), *streets]
        if not allow_full:
            del self.fields["full"]
