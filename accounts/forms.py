from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanImageField, NameField, UserTextField

from .models import User
from .portability import MAX_IMPORT_BYTES


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
        fields = ["display_name", "bio", "website", "avatar", "spoiler_safe"]
        field_classes = {"display_name": NameField, "bio": UserTextField}
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            field: {
                "max_length": _(
                    "This can be at most %(limit_value)d characters long (it has %(show_value)d)."
                )
            }
            for field in ("display_name", "bio")
        }

    def clean_website(self):
        url = self.cleaned_data["website"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter a web address starting with http:// or https://."))
        return url


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Letterboxd export"),
        help_text=_(
            "The zip Letterboxd gives you (Settings → Import & Export), or its reviews.csv "
            "or ratings.csv on its own."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.csv,text/csv,application/zip"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is too large; the limit is %(mb)d MB.")
                % {"mb": MAX_IMPORT_BYTES // 1_048_576}
            )
        return upload


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to confirm that you want to delete your account."),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password. Nothing was deleted."))
        return password
