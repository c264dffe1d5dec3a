from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanImageField

from .models import User


class ProfileForm(forms.ModelForm):
    avatar = CleanImageField(label=_("Avatar"), required=False)
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Shown on your profile as a link."),
    )

    class Meta:
        model = User
        fields = ["display_name", "bio", "website", "avatar"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}

    def clean_website(self):
        url = self.cleaned_data["website"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter a web address starting with http:// or https://."))
        return url
