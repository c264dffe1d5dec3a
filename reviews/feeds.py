"""Atom feeds of the latest published reviews: site-wide, per film and per member.

A spoiler review's entry says so instead of carrying its body, and inline ||spoilers|| are
blanked out of the others: a feed reader can't keep anything collapsed.
"""

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from core.markup import clean_text, strip_spoilers
from films.models import Film

from .models import Review

FEED_SIZE = 30


class LatestReviewsFeed(Feed):
    feed_type = Atom1Feed

    def title(self, obj=None):
        return _("Latest reviews on Marquee")

    def link(self, obj=None):
        return reverse("home")

    def subtitle(self, obj=None):
        return _("New film reviews by the Marquee community.")

    def reviews(self, obj=None):
        return Review.objects.published().written()

    def items(self, obj=None):
        return (
            self.reviews(obj)
            .select_related("author", "film")
            .order_by("-created", "-pk")[:FEED_SIZE]
        )

    def item_title(self, review):
        stars = f"{review.stars:g}★"
        if review.headline:
            return f"{review.film.title}: {review.headline} ({stars})"
        return _("%(name)s on %(film)s (%(stars)s)") % {
            "name": review.author.public_name,
            "film": review.film.title,
            "stars": stars,
        }

    def item_description(self, review):
        rating = _("Rated %(stars)s out of 5 by %(name)s.") % {
            "stars": f"{review.stars:g}",
            "name": review.author.public_name,
        }
        if review.contains_spoilers:
            note = _("This review contains spoilers; read it on Marquee.")
            return f"<p>{escape(rating)}</p><p><em>{escape(note)}</em></p>"
        return f"<p>{escape(rating)}</p>{strip_spoilers(review.body_html)}"

    def item_link(self, review):
        return review.get_absolute_url()

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        # XML 1.0 can't carry control characters, and Django fails the whole feed on one.
        # Forms drop them on input; text kept before they did may still hold some.
        for data in (feed.feed, *feed.items):
            for key, value in data.items():
                if isinstance(value, str):
                    data[key] = clean_text(value)
        return feed

    def item_author_name(self, review):
        return review.author.public_name

    def item_author_link(self, review):
        return review.author.get_absolute_url()

    def item_pubdate(self, review):
        return review.created

    def item_updateddate(self, review):
        return review.edited or review.created


class FilmReviewsFeed(LatestReviewsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Film.objects.only("pk", "title", "slug", "year"), slug=slug)

    def title(self, film):
        return _("Reviews of %(film)s on Marquee") % {"film": str(film)}

    def link(self, film):
        return film.get_absolute_url()

    def subtitle(self, film):
        return _("The latest reviews of %(film)s.") % {"film": str(film)}

    def reviews(self, film):
        return super().reviews().filter(film=film)


class MemberReviewsFeed(LatestReviewsFeed):
    def get_object(self, request, username):
        return get_object_or_404(get_user_model(), username=username, is_active=True)

    def title(self, member):
        return _("Reviews by %(name)s on Marquee") % {"name": member.public_name}

    def link(self, member):
        return member.get_absolute_url()

    def subtitle(self, member):
        return _("The latest reviews by %(name)s.") % {"name": member.public_name}

    def reviews(self, member):
        return super().reviews().filter(author=member)
