"""Forms of the batch pages (import, export). They parse; the services decide."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from xiaokang.core.models import Area, AreaLevel

# What the file chooser offers first; the importer decides by content, not by name (importing/reader.py).
IMPORT_ACCEPT = ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"


class ImportUploadForm(forms.Form):
    # Not required at field level: clean_file says why the file is missing (none chosen, or too large
    # and stopped by the upload handler before it was stored).
    file = forms.FileField(
        label=_("Spreadsheet file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": IMPORT_ACCEPT}),
    )

    def __init__(self, *args, max_bytes: int, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.too_large = too_large
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8) in the import format, at most %(size)s."
        ) % {"size": filesizeformat(max_bytes)}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_large or (upload is not None and upload.size > self.max_bytes):
            raise forms.ValidationError(
                _("The file is larger than the limit of %(size)s: split it into smaller files."),
                code="too_large",
                params={"size": filesizeformat(self.max_bytes)},
            )
        if upload is None:
            raise forms.ValidationError(_("Choose the file to import."), code="required")
        return upload


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
