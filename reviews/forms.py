from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import RATING_CHOICES, Reply, Report, Review


class ReviewForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from half a star to five stars."),
            "invalid_choice": _("Choose a rating from half a star to five stars."),
        },
    )

    class Meta:
        model = Review
        fields = ["rating", "headline", "body", "contains_spoilers"]
        labels = {
            "headline": _("Headline (optional)"),
            "body": _("Your review (optional)"),
        }
        widgets = {
            "headline": forms.TextInput(attrs={"placeholder": _("Sum it up in a line")}),
            "body": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "body": _(
                "Leave empty to just rate the film. Markdown: *emphasis*, **strong**, "
                "[links](https://…), > quotes, lists."
            ),
        }

    def clean(self):
        data = super().clean()
        if data.get("headline", "").strip() and not data.get("body", "").strip():
            self.add_error("body", _("A review with a headline needs some text too."))
        return data


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Reply
        fields = ["body"]
        labels = {"body": _("Leave a reply")}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 4, "maxlength": settings.MAX_REPLY_BODY_CHARS})
        }

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write something before you send a reply."))
        return body


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["reason", "note"]
        widgets = {"reason": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 3})}
