"""Forms of the applicants' pages (S4, U11): registration, sign-in, an online application with its
documents, an appeal. They check the input's shape and say what is wrong at the field; the rules that
decide (one account per ID number, the lockout, the workflow) stay in portal.applicants and cases."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from xiaokang.portal.applicants import ApplicantError, check_id_number, check_phone, normalise_name

MAX_DOCUMENTS = 10


class TelInput(forms.TextInput):
    input_type = "tel"


def _required(form: forms.Form) -> None:
    """Mark required fields for the shared field template ("(required)" after the label) and let the
    browser's autocomplete fill the right thing."""
    for field in form.fields.values():
        field.column_required = field.required


class RegistrationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("As on your ID card."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        help_text=_("The 18 characters of your resident ID card; the last one may be X."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        help_text=_("So that the office can call you about your applications."),
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters, mixing three of: lower case, upper case, digits, symbols."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("The same password once more, so that a typing mistake is caught now."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self)

    def clean_name(self) -> str:
        return normalise_name(self.cleaned_data["name"])

    def clean_id_number(self) -> str:
        try:
            return check_id_number(self.cleaned_data["id_number"])
        except ApplicantError as error:
            raise forms.ValidationError(error.message, code="id_number") from None

    def clean_phone(self) -> str:
        try:
            return check_phone(self.cleaned_data["phone"])
        except ApplicantError as error:
            raise forms.ValidationError(error.message, code="phone") from None

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)  # the staff rules: ≥ 10 characters, three character classes
        return password

    def clean(self):
        data = super().clean()
        if data.get("password") and self.cleaned_data.get("password_again") != data["password"]:
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class ApplicantLoginForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by content when stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _document_help(*, optional: bool):
    from django.utils.text import format_lazy

    text = (
        _("Optional. PDF, JPEG or PNG, at most {size} MB each; you may choose several files at once.")
        if optional
        else _("PDF, JPEG or PNG, at most {size} MB each; you may choose several files at once.")
    )
    return format_lazy(text, size=settings.XIAOKANG_DOCUMENT_MAX_BYTES // (1024 * 1024))


class OnlineApplicationForm(forms.Form):
    """An online application for one cash policy (the policy is in the address). ``submission_token`` is
    made when the form is shown: sending the same form twice records one application (S4)."""

    documents = MultipleFileField(
        label=_("Documents"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
    consent = forms.BooleanField(
        label=_("I agree that the office checks my registry record and these documents to decide."),
        error_messages={"required": _("Tick this box to apply: the office cannot decide without it.")},
    )
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = _document_help(optional=True)
        _required(self)

    def clean_documents(self):
        files = self.cleaned_data.get("documents") or []
        if len(files) > MAX_DOCUMENTS:
            raise forms.ValidationError(
                _("At most %(count)d files at once.") % {"count": MAX_DOCUMENTS}, code="too_many"
            )
        return files


class AppealForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    reason = forms.CharField(
        label=_("Why the decision should be changed"),
        max_length=2000,
        help_text=_(
            "Say what you think is wrong in the decision, and what has changed. An officer other than the "
            "one who rejected it decides the appeal."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter the reason for your appeal.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self)


class DocumentForm(forms.Form):
    """Documents added later to an application still being handled."""

    documents = MultipleFileField(
        label=_("Add documents"),
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
        error_messages={"required": _("Choose a file to attach.")},
    )

    # Which of the policy's required documents the files are (S4: the officer sees required vs attached).
    requirement = forms.ChoiceField(label=_("These files are"), required=False)

    def __init__(self, *args, required_documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = _document_help(optional=False)
        self.fields["requirement"].choices = [
            ("", _("another document")),
            *((document["zh"], document["zh"]) for document in required_documents),
        ]
        if not required_documents:
            del self.fields["requirement"]
        _required(self)

    def clean_documents(self):
        files = self.cleaned_data.get("documents") or []
        if not files:
            raise forms.ValidationError(_("Choose a file to attach."), code="required")
        if len(files) > MAX_DOCUMENTS:
            raise forms.ValidationError(
                _("At most %(count)d files at once.") % {"count": MAX_DOCUMENTS}, code="too_many"
            )
        return files


class VerificationCodeForm(forms.Form):
    """The code that links the account to the registry record (U11): 6 digits by text message, or 8
    letters and digits printed at the community office."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_(
            "6 digits from the text message, or the 8 letters and digits on the letter from your community "
            "office."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
        error_messages={"required": _("Enter the code.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self)


class UnlinkForm(forms.Form):
    """Staff: detach the portal account from the person (the rightful owner reclaims the record, U11)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_(
            "For example: the resident says the account is not theirs; ID card checked at the office."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the reason for unlinking the account.")},
    )
    close = forms.BooleanField(
        label=_(
            "Also close the account: it is not the resident's (the ID number can then be registered again)"
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self)
