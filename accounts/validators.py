from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# The username is the profile's URL handle, so keep it to characters that read well there.
username_validators = [
    RegexValidator(
        r"^[A-Za-z0-9_-]+\Z",
        _("Use only letters, digits, hyphens and underscores."),
    )
]
