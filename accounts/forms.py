from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanImageField

from .models import User


class ProfileForm(forms.ModelForm):
    avatar = CleanImageField(label=_("Avatar"), required=False)

    class Meta:
        model = User
        fields = ["display_name", "bio", "website", "avatar"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}
        help_texts = {"website": _("Shown on your profile as a link.")}

    def clean_website(self):
        url = self.cleaned_data["website"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter a web address starting with http:// or https://."))
        return url
