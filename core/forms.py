from django import forms
from django.utils.translation import gettext_lazy as _

from .images import reencode_upload
from .markup import clean_text


class CleanImageField(forms.FileField):
    """An image upload that is validated and re-encoded (see core.images) before it is kept.

    Unlike forms.ImageField it never hands Pillow more bytes or pixels than the limits allow.
    """

    widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})
    default_error_messages = {
        "invalid": _("Upload a valid image: JPEG, PNG, WebP or GIF."),
    }

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        return reencode_upload(upload)


class UserTextField(forms.CharField):
    """Text a member writes, through core.markup.clean_text before anything checks it: no
    control characters, and line breaks counted as one character, as the browser's
    maxlength counts them (it sends each as two)."""

    single_line = False
    strip_bidi = False

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        value = clean_text(value, single_line=self.single_line, strip_bidi=self.strip_bidi)
        return value.strip() if self.strip else value


class OneLineTextField(UserTextField):
    """A headline or a name: line breaks and tabs become spaces."""

    single_line = True


class NameField(OneLineTextField):
    """A name shown beside other text: no bidirectional overrides to make that read
    backwards."""

    strip_bidi = True
