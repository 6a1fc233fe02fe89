"""The upload form of every import page (R5). It parses; the dataset decides."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

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
