import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from core.cache import PAGE_TIMEOUT, anonymous_page_cache, request_catalog_version
from reviews.forms import ReviewForm
from reviews.models import REVIEW_SORTS, Review
from reviews.search import search_reviews

from . import search as search_engine
from .models import Country, Credit, Film, Genre, Person, SearchQuery

CATALOG_SORTS = {
    "title": (_("Title"), ["title", "year"]),
    "release": (_("Newest"), ["-release_date", "title"]),
    "rating": (
        _("Highest rated"),
        [F("rating_average").desc(nulls_last=True), "-rating_count", "title"],
    ),
    "reviews": (_("Most reviewed"), ["-review_count", "-rating_count", "title"]),
}


@require_safe
@anonymous_page_cache
def film_list(request):
    films = Film.objects.with_stats()
    genre = request.GET.get("genre", "").strip()
    country = request.GET.get("country", "").strip().upper()
    year = request.GET.get("year", "").strip()
    if genre:
        films = films.filter(genres__slug=genre)
    if country:
        films = films.filter(countries__code=country)
    if year.isascii() and year.isdigit() and len(year) <= 4:
        films = films.filter(year=int(year))
    else:
        year = ""
    sort = request.GET.get("sort", "title")
    if sort not in CATALOG_SORTS:
        sort = "title"
    order = CATALOG_SORTS[sort][1]
    paginator = Paginator(
        films.order_by(*order).prefetch_related(
            Prefetch(
                "credits",
                queryset=Credit.objects.filter(role=Credit.Role.DIRECTOR)
                .select_related("person")
                .only("film_id", "role", "order", "person__name", "person__slug"),
            ),
        ),
        settings.FILMS_PER_PAGE,
    )
    # Counting every film of the catalog is most of this page's database time (28 ms of
    # 40 on PostgreSQL at 100k films), and the count only moves with a catalog edit, which
    # moves the catalog version: each process counts once per version and filter.
    filters = hashlib.blake2b(f"{genre}\0{country}\0{year}".encode(), digest_size=12)
    paginator.count = caches["fragments"].get_or_set(
        f"catalog-count:{request_catalog_version(request)}:{filters.hexdigest()}",
        films.count,
        timeout=PAGE_TIMEOUT,
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "films/film_list.html",
        {
            "page": page,
            "genres": Genre.objects.all(),
            "countries": Country.objects.filter(films__isnull=False).distinct(),
            "sorts": [(key, label) for key, (label, _order) in CATALOG_SORTS.items()],
            "current": {"genre": genre, "country": country, "year": year, "sort": sort},
        },
    )


class FilmCredits:
    """A film's credits with their people, read once and only when a template renders them:
    the film's facts are a fragment kept per content version (templates/films/film_detail)."""

    def __init__(self, film):
        self.film = film

    @cached_property
    def all(self):
        return list(self.film.credits.select_related("person"))

    def lazy(self, role):
        return SimpleLazyObject(lambda: [c for c in self.all if c.role == role])


@require_safe
@anonymous_page_cache
def film_detail(request, slug):
    film = get_object_or_404(Film, slug=slug)
    sort = request.GET.get("sort", "recent")
    if sort not in REVIEW_SORTS:
        sort = "recent"
    reviews = (
        film.reviews.published()
        .written()
        .for_listing(with_film=False)
        .with_liked_by(request.user)
        .sorted(sort)
    )
    paginator = Paginator(reviews, settings.REVIEWS_PER_PAGE)
    # The film's stored review count is exactly this list's length (reviews.stats keeps it),
    # and saves a COUNT over every review of the film.
    paginator.count = film.review_count
    page = paginator.get_page(request.GET.get("page"))

    own_review = None
    form = None
    if request.user.is_authenticated:
        own_review = Review.objects.filter(film=film, author=request.user).first()
        form = ReviewForm(instance=own_review)
    credits = FilmCredits(film)
    return render(
        request,
        "films/film_detail.html",
        {
            "film": film,
            "directors": credits.lazy(Credit.Role.DIRECTOR),
            "writers": credits.lazy(Credit.Role.WRITER),
            "cast": credits.lazy(Credit.Role.CAST),
            "page": page,
            "sort": sort,
            "sorts": [(key, label) for key, (label, _order) in REVIEW_SORTS.items()],
            "own_review": own_review,
            "form": form,
        },
    )


@require_safe
@anonymous_page_cache
def person_detail(request, slug):
    person = get_object_or_404(Person, slug=slug)
    credits = (
        Credit.objects.filter(person=person)
        .select_related("film")
        .only(
            "role",
            "character",
            "order",
            "film__title",
            "film__slug",
            "film__year",
            "film__poster",
            "film__rating_average",
            "film__rating_count",
        )
        .order_by("-film__release_date", "film__title", "role")
    )
    by_role = {}
    for credit in credits:
        by_role.setdefault(credit.get_role_display(), []).append(credit)
    return render(request, "films/person_detail.html", {"person": person, "by_role": by_role})


@require_safe
def search(request):
    raw = str(request.GET.get("q", ""))[: search_engine.MAX_QUERY_LENGTH * 2]
    # Control characters (NUL above all) are refused by PostgreSQL: treat them as spaces.
    raw = "".join(c if c.isprintable() else " " for c in raw)
    query = " ".join(raw.split())[: search_engine.MAX_QUERY_LENGTH]
    films = people = reviews = []
    if query and search_engine.normalize(query):
        films = search_engine.search_films(query)
        people = search_engine.search_people(query)
        reviews = list(
            search_reviews(query, sort="top", limit=20).for_listing().with_liked_by(request.user)
        )
        if films:
            SearchQuery.record(query)
    return render(
        request,
        "films/search.html",
        {
            "query": query,
            "films": films,
            "people": people,
            "reviews": reviews,
            "recent_searches": SearchQuery.objects.recent()[:10],
        },
    )
