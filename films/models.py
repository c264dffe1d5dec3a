from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.images import RenditionsMixin


def unique_slug(model, text, *, extra="", exclude_pk=None):
    """A readable slug for `text` unique in `model`: "her", then "her-2013", then "her-2013-2"."""
    base = slugify(text, allow_unicode=False)[:80].strip("-") or "untitled"
    candidates = [base] + ([f"{base}-{extra}"] if extra else [])
    qs = model._default_manager.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    for candidate in candidates:
        if not qs.filter(slug=candidate).exists():
            return candidate
    stem = candidates[-1]
    n = 2
    while qs.filter(slug=f"{stem}-{n}").exists():
        n += 1
    return f"{stem}-{n}"


class Genre(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("genre")
        verbose_name_plural = _("genres")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("films:list") + f"?genre={self.slug}"


class Company(models.Model):
    name = models.CharField(_("name"), max_length=160, unique=True)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("production company")
        verbose_name_plural = _("production companies")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("films:list") + f"?company={self.slug}"


class Country(models.Model):
    code = models.CharField(
        _("code"), max_length=2, primary_key=True, help_text=_("ISO 3166-1 alpha-2, e.g. US.")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.code = self.code.upper()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("films:list") + f"?country={self.code}"


class Person(models.Model):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    biography = models.TextField(_("biography"), blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    death_year = models.PositiveSmallIntegerField(_("death year"), null=True, blank=True)
    imdb_id = models.CharField(
        _("IMDb id"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text=_("e.g. nm0005069; set by the IMDb importer."),
    )
    search_name = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("The name normalized for search; kept from the name on every save."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Person, self.name, extra=str(self.birth_year or ""))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("films:person", args=[self.slug])


class FilmQuerySet(models.QuerySet):
    def with_stats(self):
        """Films with the columns list pages need; stats are stored, not computed here."""
        return self.only(
            "title",
            "slug",
            "year",
            "release_date",
            "poster",
            "rating_count",
            "rating_average",
            "review_count",
            "runtime_minutes",
        )

    def top_rated(self, min_ratings=None):
        if min_ratings is None:
            min_ratings = settings.TOP_RATED_MIN_RATINGS
        return self.filter(rating_count__gte=min_ratings).order_by(
            F("rating_average").desc(nulls_last=True), "-rating_count", "title"
        )

    def most_reviewed(self):
        return self.filter(rating_count__gt=0).order_by("-review_count", "-rating_count", "title")


class Film(RenditionsMixin, models.Model):
    POSTER_WIDTHS = (185, 342)
    rendition_field = "poster"
    rendition_sizes = POSTER_WIDTHS

    title = models.CharField(_("title"), max_length=255, db_index=True)
    original_title = models.CharField(_("original title"), max_length=255, blank=True)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("The film's address: /films/<slug>/. Made from the title if left empty."),
    )
    tagline = models.CharField(_("tagline"), max_length=255, blank=True)
    overview = models.TextField(_("overview"), blank=True)
    release_date = models.DateField(_("release date"), null=True, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("Kept from the release date, for filtering."),
    )
    runtime_minutes = models.PositiveSmallIntegerField(
        _("runtime (minutes)"), null=True, blank=True
    )
    poster = models.ImageField(_("poster"), upload_to="posters/", blank=True)
    genres = models.ManyToManyField(
        Genre, blank=True, related_name="films", verbose_name=_("genres")
    )
    companies = models.ManyToManyField(
        Company, blank=True, related_name="films", verbose_name=_("production companies")
    )
    countries = models.ManyToManyField(
        Country, blank=True, related_name="films", verbose_name=_("production countries")
    )
    people = models.ManyToManyField(Person, through="Credit", related_name="films", blank=True)
    imdb_id = models.CharField(
        _("IMDb id"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text=_("e.g. tt1798709; set by the IMDb importer."),
    )
    imdb_votes = models.PositiveIntegerField(
        _("IMDb votes"),
        default=0,
        help_text=_("numVotes from IMDb's ratings file; ranks better-known films first in search."),
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    # Denormalized statistics over published reviews, written only by reviews.stats
    # inside the transaction that changes a review.
    rating_count = models.PositiveIntegerField(_("ratings"), default=0, editable=False)
    review_count = models.PositiveIntegerField(
        _("reviews"), default=0, editable=False, help_text=_("Ratings that have a written review.")
    )
    rating_sum = models.PositiveIntegerField(default=0, editable=False)
    rating_average = models.FloatField(
        null=True, blank=True, editable=False, help_text=_("Mean rating on the 1-10 scale.")
    )
    rating_histogram = models.JSONField(
        default=list, editable=False, help_text=_("Count of ratings 1..10 (half stars).")
    )

    objects = FilmQuerySet.as_manager()

    class Meta:
        ordering = ["title", "year"]
        verbose_name = _("film")
        verbose_name_plural = _("films")
        indexes = [
            models.Index(fields=["-rating_average", "-rating_count"], name="film_top_rated_idx"),
            models.Index(fields=["-review_count"], name="film_most_reviewed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_sum__lte=F("rating_count") * 10), name="film_rating_sum_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    STATS_FIELDS = frozenset(
        {"rating_count", "review_count", "rating_sum", "rating_average", "rating_histogram"}
    )

    def save(self, *args, **kwargs):
        """Save the film's own facts. Statistics belong to reviews.stats: a save of an
        existing film (an admin edit, an import) never writes its stale in-memory copy."""
        self.year = self.release_date.year if self.release_date else self.year
        if self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.STATS_FIELDS
            ]
        if not self.slug:
            self.slug = unique_slug(
                Film, self.title, extra=str(self.year or ""), exclude_pk=self.pk
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("films:detail", args=[self.slug])

    def poster_url(self, width=342):
        return self.image_url(width)

    @property
    def poster_small(self):
        return self.image_url(185)

    @property
    def poster_large(self):
        return self.image_url(342)

    @property
    def average_stars(self):
        """Average on the 0.5-5 star scale, one decimal, or None with no ratings."""
        if self.rating_average is None:
            return None
        return round(self.rating_average / 2, 1)


class AlternativeTitle(models.Model):
    # Lookups by film use unique_alternative_title, which starts with it.
    film = models.ForeignKey(
        Film, on_delete=models.CASCADE, related_name="alternative_titles", db_index=False
    )
    title = models.CharField(_("title"), max_length=255)
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("ISO 639-1 code, e.g. es.")
    )
    region = models.CharField(
        _("region"), max_length=4, blank=True, help_text=_("ISO 3166-1 code, e.g. ES or MX.")
    )

    class Meta:
        ordering = ["film", "region", "title"]
        verbose_name = _("alternative title")
        verbose_name_plural = _("alternative titles")
        constraints = [
            models.UniqueConstraint(
                fields=["film", "title", "language", "region"], name="unique_alternative_title"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.film.get_absolute_url()


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", _("Director")
        WRITER = "writer", _("Writer")
        CAST = "cast", _("Cast")

    # No single-column indexes: unique_credit starts with film and credit_person_role_idx
    # with person, and a third and fourth index on the biggest table cost every insert.
    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="credits", db_index=False)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    character = models.CharField(_("character"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(
        _("billing order"), default=0, help_text=_("Lower numbers are billed first.")
    )

    class Meta:
        ordering = ["film", "role", "order", "pk"]
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        constraints = [
            models.UniqueConstraint(
                fields=["film", "person", "role", "character"], name="unique_credit"
            )
        ]
        indexes = [models.Index(fields=["person", "role"], name="credit_person_role_idx")]

    def __str__(self):
        if self.character:
            return f"{self.person} as {self.character} in {self.film}"
        return f"{self.person}, {self.get_role_display()}, {self.film}"

    def get_absolute_url(self):
        return self.person.get_absolute_url()


class FilmTitle(models.Model):
    """One normalized title of a film (its title, original title or an alternative title):
    the rows the search engines index. Written only by films.search.reindex_films() and the
    IMDb importer, never edited by hand."""

    # Lookups by film use unique_film_search_title, which starts with it.
    film = models.ForeignKey(
        Film, on_delete=models.CASCADE, related_name="search_titles", db_index=False
    )
    text = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["film", "text"]
        verbose_name = _("search title")
        verbose_name_plural = _("search titles")
        constraints = [
            models.UniqueConstraint(fields=["film", "text"], name="unique_film_search_title")
        ]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return self.film.get_absolute_url()


class SearchQueryQuerySet(models.QuerySet):
    def recent(self):
        """Distinct queries that found at least one film, latest first."""
        return self.filter(hits__gt=0).order_by("-last_searched_at")


class SearchQuery(models.Model):
    """A normalized search that found films, for the public "Recently searched" list."""

    query = models.CharField(_("query"), max_length=100, unique=True)
    hits = models.PositiveIntegerField(
        _("hits"), default=0, help_text=_("How many times this query found at least one film.")
    )
    last_searched_at = models.DateTimeField(_("last searched at"), db_index=True)

    objects = SearchQueryQuerySet.as_manager()

    class Meta:
        ordering = ["-last_searched_at"]
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")

    def __str__(self):
        return self.query

    def get_absolute_url(self):
        from urllib.parse import urlencode

        return reverse("films:search") + "?" + urlencode({"q": self.query})

    @classmethod
    def record(cls, raw_query):
        """Count a query that found films: one upsert, and a failure here (a locked
        database, say) never costs the visitor their results page."""
        import logging

        from django.db import DatabaseError, connection, transaction
        from django.utils import timezone

        from .search import MAX_QUERY_LENGTH, normalize

        query = normalize(raw_query)[:MAX_QUERY_LENGTH].strip()
        if not query:
            return
        table = connection.ops.quote_name(cls._meta.db_table)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (query, hits, last_searched_at) "  # noqa: S608
                    "VALUES (%s, 1, %s) ON CONFLICT (query) DO UPDATE SET "
                    f"hits = {table}.hits + 1, last_searched_at = excluded.last_searched_at",
                    [query, connection.ops.adapt_datetimefield_value(timezone.now())],
                )
        except DatabaseError:
            logging.getLogger(__name__).warning("could not record search %r", query, exc_info=True)
