from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# The username is the profile's URL handle, so keep it to characters that read well there.
username_validators = [
    RegexValidator(
        r"^[A-Za-z0-9_-]+\Z",
        _("Use only letters, digits, hyphens and underscores."),
    )
]


class MaximumLengthValidator:
    """Refuse passwords longer than `max_length` characters, with a message that says so.

    Long passphrases are welcome (ASVS asks for at least 64 characters); the cap only keeps
    absurd inputs, megabytes pasted by mistake or on purpose, away from the hasher.
    """

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return ngettext(
            "Your password can be up to %(max_length)d character long.",
            "Your password can be up to %(max_length)d characters long.",
            self.max_length,
        ) % {"max_length": self.max_length}
