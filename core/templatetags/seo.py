"""Canonical links, Open Graph and schema.org JSON-LD for the pages that crawlers index."""

import json
from html import unescape

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from core.markup import strip_spoilers

register = template.Library()

# The same escapes as django.utils.html.json_script: inside <script> nothing may read as
# markup, so "</script>" in a film title stays text.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld_script(data):
    """A <script type="application/ld+json"> element holding `data`, safely escaped."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(  # noqa: S308 - escaped above for the <script> context
        '<script type="application/ld+json">' + text.translate(_JSON_SCRIPT_ESCAPES) + "</script>"
    )


@register.simple_tag(takes_context=True)
def canonical_url(context, obj=None):
    """The absolute URL of `obj` (or of this page without its query string)."""
    request = context["request"]
    path = obj.get_absolute_url() if obj is not None else request.path
    page = request.GET.get("page", "")
    if obj is None and page.isdigit() and int(page) > 1:
        path = f"{path}?page={int(page)}"
    return request.build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def absolute(context, url):
    return context["request"].build_absolute_uri(url) if url else ""


def _rating(value_1_to_10, count=None):
    data = {
        "@type": "AggregateRating" if count is not None else "Rating",
        "ratingValue": round(value_1_to_10 / 2, 1),
        "bestRating": 5,
        "worstRating": 0.5,
    }
    if count is not None:
        data["ratingCount"] = count
    return data


def _movie(request, film, directors=()):
    data = {
        "@type": "Movie",
        "name": film.title,
        "url": request.build_absolute_uri(film.get_absolute_url()),
    }
    if film.release_date:
        data["datePublished"] = film.release_date.isoformat()
    elif film.year:
        data["datePublished"] = str(film.year)
    if film.poster:
        data["image"] = request.build_absolute_uri(film.poster_large)
    if directors:
        data["director"] = [{"@type": "Person", "name": c.person.name} for c in directors]
    return data


@register.simple_tag(takes_context=True)
def film_json_ld(context, film, directors=()):
    """schema.org Movie with its AggregateRating (when it has ratings)."""
    request = context["request"]
    data = {"@context": "https://schema.org", **_movie(request, film, directors)}
    if film.original_title and film.original_title != film.title:
        data["alternateName"] = film.original_title
    if film.overview:
        data["description"] = film.overview
    if film.runtime_minutes:
        data["duration"] = f"PT{film.runtime_minutes}M"
    if film.rating_count and film.rating_average is not None:
        data["aggregateRating"] = _rating(film.rating_average, film.rating_count)
    return json_ld_script(data)


@register.simple_tag(takes_context=True)
def review_json_ld(context, review):
    """schema.org Review of a Movie; a spoiler review's body stays out of it."""
    request = context["request"]
    data = {
        "@context": "https://schema.org",
        "@type": "Review",
        "url": request.build_absolute_uri(review.get_absolute_url()),
        "itemReviewed": _movie(request, review.film),
        "author": {
            "@type": "Person",
            "name": review.author.public_name,
            "url": request.build_absolute_uri(review.author.get_absolute_url()),
        },
        "reviewRating": _rating(review.rating),
        "datePublished": review.created.isoformat(),
    }
    if review.headline:
        data["name"] = review.headline
    if review.body and not review.contains_spoilers:
        data["reviewBody"] = unescape(strip_tags(strip_spoilers(review.body_html)))
    return json_ld_script(data)


@register.filter
def plain_summary(html, words=30):
    """Plain text of rendered HTML, shortened, for meta descriptions."""
    return Truncator(unescape(strip_tags(strip_spoilers(html)))).words(words)
