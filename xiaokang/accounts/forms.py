from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from xiaokang.accounts.models import Role
from xiaokang.accounts.services import LOCKOUT_MINUTES, LoginRefused, LoginThrottled, login_check


def client_address(request) -> str:
    """The client's address as the server sees it (behind a proxy, configure the proxy to set it)."""
    return (request.META.get("REMOTE_ADDR") or "")[:64] if request is not None else ""


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form with the lockout and audit of accounts.services.login_check."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts: this user name is locked for %(minutes)s minutes."),
        "throttled": _(
            "Too many failed sign-ins from your network address: try again in %(seconds)s seconds."
        ),
    }
    retry_after = 0  # seconds, when the client address is throttled (the view answers 429)

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_check(
                    request=self.request,
                    username=username,
                    password=password,
                    throttle_address=client_address(self.request),  # throttling per address (U11)
                )
            except LoginThrottled as throttled:
                self.retry_after = throttled.retry_after
                raise forms.ValidationError(
                    self.error_messages["throttled"],
                    code="throttled",
                    params={"seconds": throttled.retry_after},
                ) from None
            except LoginRefused as refused:
                if refused.locked:
                    raise forms.ValidationError(
                        self.error_messages["locked"], code="locked", params={"minutes": LOCKOUT_MINUTES}
                    ) from None
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def _area_code_field() -> forms.CharField:
    """The area of a role, the same on the create and the edit form."""
    return forms.CharField(
        label=_("Area code"),
        required=False,
        max_length=12,
        help_text=_(
            "Street (9 or 12 digits) for a street officer, community (12 digits) for a community worker."
        ),
    )


class AccountCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    area_code = _area_code_field()
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text=_("At least 10 characters, mixing three of: lower case, upper case, digits, symbols."),
    )

    reason = forms.CharField(
        label=_("Reason for the role"),
        max_length=500,
        help_text=_(
            "Why this account needs this role. A district administrator reads it before approving: "
            "until then the account has no role."
        ),
    )

    def clean_password(self):
        # The same rules as the service (which checks again), shown at the field they concern.
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class AccountUpdateForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    area_code = _area_code_field()
    is_active = forms.BooleanField(label=_("Active"), required=False)
    reason = forms.CharField(
        label=_("Reason for a role change"),
        max_length=500,
        required=False,
        help_text=_("Needed when the role or area changes: a district administrator approves the change."),
    )
    password = forms.CharField(
        label=_("New password (optional)"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        required=False,
        help_text=_(
            "Leave empty to keep the password. The user must change a password you set at the next sign-in."
        ),
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if password:
            validate_password(password)
        return password


class GrantDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PasswordChangeForm(forms.Form):
    """A user's own new password (GB/T 22239-2019 8.1.4.1): the current one, the new one twice."""

    current_password = forms.CharField(label=_("Current password"), strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters, mixing three of: lower case, upper case, digits, symbols."),
    )
    new_password_again = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_password(self):
        new = self.cleaned_data["new_password"]
        validate_password(new, self.user)
        return new

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ."))
        if new and new == data.get("current_password"):
            self.add_error("new_password", _("The new password must differ from the current one."))
        return data
