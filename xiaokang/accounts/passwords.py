from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, other characters (GB/T 22239-2019 8.1.4.1, MLPS
    level 3)."""

    def validate(self, password, user=None):
        classes = (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
        if sum(classes) < 3:
            raise ValidationError(
                _("The password must mix at least three of: lower case, upper case, digits, symbols."),
                code="password_character_classes",
            )

    def get_help_text(self):
        return _("Use at least three of: lower case, upper case, digits, symbols.")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with our own message: Django 5.2's Chinese catalogue does not match its new message
    text, so the Chinese page showed it in English."""

    def get_error_message(self):
        return ngettext(
            "The password is too short: it needs at least %(min_length)d character.",
            "The password is too short: it needs at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
