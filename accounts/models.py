from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.images import RenditionsMixin


class User(RenditionsMixin, AbstractUser):
    """A member of the site. `username` is the public URL handle; e-mail stays private."""

    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("The name shown beside your reviews. Leave empty to show your username."),
    )
    bio = models.TextField(
        _("bio"), max_length=1000, blank=True, help_text=_("A few words about you, as plain text.")
    )
    website = models.URLField(_("website"), blank=True, max_length=200)
    avatar = models.ImageField(
        _("avatar"),
        upload_to="avatars/",
        blank=True,
        help_text=_("JPEG, PNG, WebP or GIF; re-encoded and stripped of metadata."),
    )
    spoiler_safe = models.BooleanField(
        _("spoiler-safe"),
        default=True,
        help_text=_(
            "Keep reviews marked as spoilers and ||inline spoilers|| collapsed until you "
            "open them. Turned off, they are shown, with inline spoilers still marked."
        ),
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("accounts:profile", args=[self.username])

    @property
    def is_suspended(self):
        return not self.is_active

    def set_suspended(self, suspended):
        """Suspend (or reinstate) the member: they can't log in, their reviews and replies
        leave the site and the film statistics, and come back when it is lifted."""
        from reviews.stats import refresh_stats_for_author

        if self.is_active != suspended:
            return False
        with transaction.atomic():
            type(self).objects.filter(pk=self.pk).update(is_active=not suspended)
            self.is_active = not suspended
            refresh_stats_for_author(self.pk)
        # Open sessions end by themselves: the auth backends refuse inactive users on
        # every request, not only at login.
        return True

    @property
    def public_name(self):
        return self.display_name or self.username

    @property
    def initial(self):
        return self.public_name[:1].upper()

    AVATAR_SIZES = (64, 160)
    rendition_field = "avatar"
    rendition_sizes = AVATAR_SIZES
    rendition_square = True

    @property
    def avatar_small(self):
        return self.image_url(64)

    @property
    def avatar_large(self):
        return self.image_url(160)
