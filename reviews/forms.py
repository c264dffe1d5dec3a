from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import OneLineTextField, UserTextField

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
        field_classes = {"headline": OneLineTextField, "body": UserTextField}
        labels = {
            "headline": _("Headline (optional)"),
            "body": _("Your review (optional)"),
        }
        widgets = {
            "headline": forms.TextInput(attrs={"placeholder": _("Sum it up in a line")}),
            "body": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "body": format_lazy(
                _(
                    "Leave empty to just rate the film. Markdown: *emphasis*, **strong**, "
                    "[links](https://…), > quotes, lists. At most {limit} characters."
                ),
                limit=f"{settings.MAX_REVIEW_BODY_CHARS:,}",
            ),
        }
        error_messages = {
            "headline": {
                "max_length": _(
                    "The headline can be at most %(limit_value)d characters long "
                    "(it has %(show_value)d)."
                )
            },
            "body": {
                "max_length": _(
                    "Your review is too long: %(show_value)d characters, and the limit is "
                    "%(limit_value)d. Shorten it a little; nothing was saved."
                )
            },
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
        field_classes = {"body": UserTextField}
        labels = {"body": _("Leave a reply")}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 4, "maxlength": settings.MAX_REPLY_BODY_CHARS})
        }
        error_messages = {
            "body": {
                "max_length": _(
                    "Your reply is too long: %(show_value)d characters, and the limit is "
                    "%(limit_value)d. Shorten it a little; nothing was saved."
                )
            },
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
        field_classes = {"note": UserTextField}
        widgets = {"reason": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "note": {
                "max_length": _(
                    "The note can be at most %(limit_value)d characters long "
                    "(it has %(show_value)d)."
                )
            },
        }
