from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.cache import bump_after_commit
from core.markup import render_markdown
from films.models import Film

from . import stats

RATING_LABELS = {
    10: pgettext_lazy("rating", "masterpiece"),
    9: pgettext_lazy("rating", "exceptional"),
    8: pgettext_lazy("rating", "great"),
    7: pgettext_lazy("rating", "good"),
    6: pgettext_lazy("rating", "decent"),
    5: pgettext_lazy("rating", "mixed"),
    4: pgettext_lazy("rating", "weak"),
    3: pgettext_lazy("rating", "poor"),
    2: pgettext_lazy("rating", "bad"),
    1: pgettext_lazy("rating", "awful"),
}
RATING_CHOICES = [
    (n, format_lazy("{} ★ — {}", f"{n / 2:g}", RATING_LABELS[n])) for n in range(10, 0, -1)
]
RATINGS = frozenset(RATING_LABELS)


class Status(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by a moderator")


STATUSES = frozenset(Status.values)


class ReviewQuerySet(models.QuerySet):
    def published(self):
        """Reviews anyone may see: published, by an active author."""
        return self.filter(status=Status.PUBLISHED, author__is_active=True)

    def written(self):
        """Reviews with a body; a rating alone is listed as a rating, not a review."""
        return self.exclude(body="")

    def ratings_only(self):
        return self.filter(body="")

    def for_listing(self, *, with_film=True):
        """What a review card shows, in one query. `with_film=False` for reviews of one
        film read through `film.reviews`, which gives each its film."""
        return self.select_related("author", *(["film"] if with_film else []))

    def with_liked_by(self, user):
        if not user.is_authenticated:
            return self.annotate(liked=models.Value(False, output_field=models.BooleanField()))
        return self.annotate(liked=Exists(Like.objects.filter(review=OuterRef("pk"), user=user)))

    def sorted(self, key):
        return self.order_by(*REVIEW_SORTS.get(key, REVIEW_SORTS["recent"])[1])

    def set_status(self, status):
        """Hide or restore reviews (moderation); film stats follow in the same transaction."""
        with transaction.atomic():
            film_ids = sorted(set(self.values_list("film_id", flat=True)))
            for film_id in film_ids:
                stats.lock_film(film_id)
            changed = self.exclude(status=status).update(status=status)
            stats.refresh_film_stats(*film_ids)
        return changed

    def mark_spoilers(self):
        changed = self.exclude(contains_spoilers=True).update(contains_spoilers=True)
        bump_after_commit()
        return changed

    def save_for(self, *, author, film, rating, headline="", body="", contains_spoilers=False):
        """Create `author`'s review of `film`, or update it if they already have one.

        Returns (review, created). Safe against two first submissions racing: the film row
        is locked first, and a lost insert race falls back to updating the winner's row.
        """
        fields = {
            "rating": rating,
            "headline": headline.strip(),
            "body": body.strip(),
            "contains_spoilers": contains_spoilers,
        }
        for attempt in range(2):
            try:
                with transaction.atomic():
                    stats.lock_film(film.pk)
                    review = self.filter(film=film, author=author).first()
                    created = review is None
                    if created:
                        review = self.model(film=film, author=author, **fields)
                    elif all(getattr(review, k) == v for k, v in fields.items()):
                        return review, False  # a resubmission of the same review
                    else:
                        # The words being replaced stay on record for the moderators.
                        ReviewRevision.objects.create(
                            review=review,
                            rating=review.rating,
                            headline=review.headline,
                            body=review.body,
                            contains_spoilers=review.contains_spoilers,
                            written=review.edited or review.created,
                        )
                        for key, value in fields.items():
                            setattr(review, key, value)
                        review.edited = timezone.now()
                    review.save()
                    stats.refresh_film_stats(film.pk)
                return review, created
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")


REVIEW_SORTS = {
    "recent": (_("Most recent"), ["-created", "-pk"]),
    "top": (_("Most liked"), ["-like_count", "-created", "-pk"]),
    "rating": (_("Highest rated"), ["-rating", "-created", "-pk"]),
    "lowest": (_("Lowest rated"), ["rating", "-created", "-pk"]),
}


class Review(models.Model):
    """One member's rating of one film, with an optional written review."""

    # film, author and status have no indexes of their own: the multi-column indexes
    # below start with each of them, and every review write paid for the extra ones.
    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="reviews", db_index=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        choices=RATING_CHOICES,
        help_text=_("Half stars, stored 1-10: 1 is half a star, 10 is five stars."),
    )
    headline = models.CharField(_("headline"), max_length=140, blank=True)
    body = models.TextField(
        _("review"),
        blank=True,
        max_length=settings.MAX_REVIEW_BODY_CHARS,
        help_text=_("Markdown: *emphasis*, **strong**, [links](https://…), > quotes, lists."),
    )
    body_html = models.TextField(editable=False, blank=True)
    contains_spoilers = models.BooleanField(
        _("contains spoilers"),
        default=False,
        help_text=_("The review is collapsed behind a warning until a reader opens it."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PUBLISHED,
    )
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    edited = models.DateTimeField(
        _("edited"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the author last changed the review after posting it."),
    )
    like_count = models.PositiveIntegerField(_("likes"), default=0, editable=False)
    # Published replies by active members, kept by reviews.stats like the like count: a
    # listing reads it instead of counting each card's replies in a subquery.
    reply_count = models.PositiveIntegerField(_("replies"), default=0, db_default=0, editable=False)

    objects = ReviewQuerySet.as_manager()
    _url = None  # see get_absolute_url

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["film", "author"], name="one_review_per_film"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=10), name="review_rating_1_to_10"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="review_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["film", "status", "-created"], name="review_film_recent_idx"),
            models.Index(fields=["status", "-created"], name="review_recent_idx"),
            models.Index(fields=["film", "status", "-like_count"], name="review_film_top_idx"),
            models.Index(fields=["film", "status", "-rating"], name="review_film_rating_idx"),
            models.Index(fields=["author", "status", "-created"], name="review_author_idx"),
        ]

    def __str__(self):
        return f"{self.author} on {self.film.title}: {self.stars}★"

    def save(self, *args, **kwargs):
        self.body = self.body.strip()
        self.headline = self.headline.strip()
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # Kept on the instance: a review card links to its review three times.
        if self._url is None:
            self._url = reverse("reviews:detail", args=[self.pk])
        return self._url

    def get_constraints(self):
        # The two check constraints restate the rating's and the status's choices. A value
        # among them passes its check: no need to build (and for the rating, run) a query
        # for each on every form save. Anything else is checked as declared.
        constraints = super().get_constraints()
        if self.rating in RATINGS and self.status in STATUSES:
            return [
                (model, [c for c in declared if not isinstance(c, models.CheckConstraint)])
                for model, declared in constraints
            ]
        return constraints

    def remove(self):
        """Delete the review; the film's stats follow in the same transaction."""
        with transaction.atomic():
            stats.lock_film(self.film_id)
            self.delete()  # reviews.signals recounts the film's stats

    def toggle_like(self, user):
        """Like or unlike for `user`; returns True if the review is now liked."""
        return self.set_liked(user, None)

    def set_liked(self, user, liked):
        """Make `user`'s like of this review `liked` (True/False), or flip it (None).

        The review row is locked first, so concurrent likes queue and the recount that
        follows sees every committed like. A like that is already so changes nothing.
        """
        with transaction.atomic():
            stats.lock_review(self.pk)
            if liked is None:
                liked = not Like.objects.filter(user=user, review=self).exists()
            # One statement that says whether it changed anything (a concurrent or repeated
            # like that got in first is the same like): the write path of every like.
            connection = transaction.get_connection()
            quote = connection.ops.quote_name
            table = quote(Like._meta.db_table)
            user_id, review_id = (quote(Like._meta.get_field(f).column) for f in ("user", "review"))
            with connection.cursor() as cursor:
                if liked:
                    now = connection.ops.adapt_datetimefield_value(timezone.now())
                    cursor.execute(
                        f"INSERT INTO {table} ({user_id}, {review_id}, {quote('created')}) "  # noqa: S608
                        f"VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                        [user.pk, self.pk, now],
                    )
                else:
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {user_id} = %s AND {review_id} = %s "  # noqa: S608
                        f"RETURNING 1",
                        [user.pk, self.pk],
                    )
                changed = cursor.fetchone() is not None
            if changed:
                self.like_count = stats.refresh_like_count(self.pk)
        if not changed:
            self.refresh_from_db(fields=["like_count"])
        return liked

    @property
    def stars(self):
        return self.rating / 2

    @property
    def rating_label(self):
        return RATING_LABELS[self.rating]

    @property
    def is_rating_only(self):
        return not self.body

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED


class ReplyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED, author__is_active=True)

    def set_status(self, status):
        """Hide or restore replies (moderation); their reviews' reply counts follow."""
        with transaction.atomic():
            changing = self.exclude(status=status)
            review_ids = sorted(set(changing.values_list("review_id", flat=True)))
            changed = changing.update(status=status)
            stats.refresh_reply_counts(*review_ids)
        return changed


class Reply(models.Model):
    """A comment under a review ("Leave a reply")."""

    # Lookups by review use reply_review_idx, which starts with it.
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="replies", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(_("reply"), max_length=settings.MAX_REPLY_BODY_CHARS)
    body_html = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PUBLISHED,
        db_index=True,
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        indexes = [models.Index(fields=["review", "status", "created"], name="reply_review_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="reply_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.author} on review {self.review_id}"

    def save(self, *args, **kwargs):
        self.body = self.body.strip()
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.review.get_absolute_url()}#reply-{self.pk}"


class Like(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes"
    )
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="likes")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [
            models.UniqueConstraint(fields=["user", "review"], name="one_like_per_review")
        ]

    def __str__(self):
        return f"{self.user} likes review {self.review_id}"

    def get_absolute_url(self):
        return self.review.get_absolute_url()


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def resolve(self, moderator):
        return self.open().update(resolved_by=moderator, resolved_at=timezone.now())


class Report(models.Model):
    """A member's report of abuse in a review or a reply, for the moderators."""

    class Reason(models.TextChoices):
        SPOILER = "spoiler", _("Unmarked spoilers")
        ABUSE = "abuse", _("Harassment or hate")
        SPAM = "spam", _("Spam or advertising")
        OFF_TOPIC = "off_topic", _("Not about the film")
        OTHER = "other", _("Something else")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    created = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(review__isnull=False, reply__isnull=True)
                    | Q(review__isnull=True, reply__isnull=False)
                ),
                name="report_has_one_target",
            ),
            # One open report per member per item; once resolved they may report it again.
            models.UniqueConstraint(
                fields=["reporter", "review"],
                condition=Q(resolved_at__isnull=True, review__isnull=False),
                name="one_open_report_per_review",
            ),
            models.UniqueConstraint(
                fields=["reporter", "reply"],
                condition=Q(resolved_at__isnull=True, reply__isnull=False),
                name="one_open_report_per_reply",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "-created"], name="report_open_idx")]

    def __str__(self):
        return f"{self.get_reason_display()} by {self.reporter}"

    def get_absolute_url(self):
        return self.target.get_absolute_url()

    @property
    def target(self):
        return self.review or self.reply

    @property
    def is_open(self):
        return self.resolved_at is None


class ReviewRevision(models.Model):
    """The words of a review before one of its author's edits, kept for the moderators."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    rating = models.PositiveSmallIntegerField(_("rating"), choices=RATING_CHOICES)
    headline = models.CharField(_("headline"), max_length=140, blank=True)
    body = models.TextField(_("review"), blank=True)
    contains_spoilers = models.BooleanField(_("contains spoilers"), default=False)
    written = models.DateTimeField(
        _("written"), help_text=_("When the author posted or last edited this version.")
    )
    replaced = models.DateTimeField(
        _("replaced"), auto_now_add=True, help_text=_("When an edit replaced this version.")
    )

    class Meta:
        ordering = ["-replaced", "-pk"]
        verbose_name = _("review revision")
        verbose_name_plural = _("review revisions")

    def __str__(self):
        return f"Review {self.review_id} as of {self.written:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return self.review.get_absolute_url()


class ModerationLog(models.Model):
    """One moderation action: who did what to which item, and when. Append-only."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hid")
        RESTORE = "restore", _("Restored")
        MARK_SPOILERS = "spoilers", _("Marked as containing spoilers")
        RESOLVE = "resolve", _("Resolved reports")
        SUSPEND = "suspend", _("Suspended")
        UNSUSPEND = "unsuspend", _("Lifted the suspension of")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="moderation_actions",
        verbose_name=_("moderator"),
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    review = models.ForeignKey(
        Review, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    target = models.CharField(
        _("target"),
        max_length=200,
        help_text=_("What was acted on, as it read then (kept if the item is deleted)."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        # Suspending members is a moderation power, so it lives here with the log of it.
        permissions = [("suspend_member", _("Can suspend and reinstate members"))]

    def __str__(self):
        return f"{self.actor} {self.get_action_display().lower()} {self.target}"

    def get_absolute_url(self):
        return reverse("admin:reviews_moderationlog_change", args=[self.pk])

    @classmethod
    def record(cls, actor, action, items, note=""):
        """Log `action` by `actor` on each of `items` (reviews, replies or users)."""
        from django.contrib.auth import get_user_model

        entries = []
        for item in items:
            entry = cls(actor=actor, action=action, target=str(item)[:200], note=note[:500])
            if isinstance(item, Review):
                entry.review = item
            elif isinstance(item, Reply):
                entry.reply = item
            elif isinstance(item, get_user_model()):
                entry.user = item
            entries.append(entry)
        return cls.objects.bulk_create(entries)
