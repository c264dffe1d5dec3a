"""sitemap.xml: films, people, published reviews and the profiles of members who wrote one."""

from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef

from films.models import Film, Person
from reviews.models import Review


class FilmSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Film.objects.only("slug", "updated").order_by("pk")

    def lastmod(self, film):
        return film.updated


class PersonSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return Person.objects.only("slug").order_by("pk")


class ReviewSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Review.objects.published().written().only("pk", "updated").order_by("pk")

    def lastmod(self, review):
        return review.updated


class ProfileSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        # Only profiles with something to read; empty ones are marked noindex anyway.
        wrote = Review.objects.published().filter(author=OuterRef("pk"))
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Exists(wrote))
            .only("username")
            .order_by("pk")
        )


SITEMAPS = {
    "films": FilmSitemap,
    "people": PersonSitemap,
    "reviews": ReviewSitemap,
    "profiles": ProfileSitemap,
}
