from django import forms
from django.utils.translation import gettext_lazy as _

from .images import reencode_upload


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
