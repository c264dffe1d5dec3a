from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from films.cards import render_film_cards
from reviews.cards import render_cards
from reviews.models import RATING_LABELS

register = template.Library()


@register.filter
def stars_text(rating):
    """ "4.5" for a stored rating of 9."""
    if rating in (None, ""):
        return ""
    return f"{int(rating) / 2:g}"


@register.filter
def out_of_ten(rating):
    return f"{int(rating)}/10"


@register.filter
def rating_label(rating):
    return RATING_LABELS.get(int(rating), "")


# Counts on every review card, as filters: a card's footer renders for each reader, and
# {% blocktranslate count %} costs several times more than ngettext (same message ids).
@register.filter
def like_count(n):
    """ "1 like", "2 likes"."""
    n = n or 0
    return ngettext("%(n)s like", "%(n)s likes", n) % {"n": localize(n)}


_LIKE_COUNT_FORMS = {}


@register.simple_tag
def like_count_forms():
    """The data-one and data-other attributes static/js/marquee.js words a new count with,
    once per language: they are the same on every card."""
    language = get_language()
    if language not in _LIKE_COUNT_FORMS:
        _LIKE_COUNT_FORMS[language] = format_html(
            'data-one="{}" data-other="{}"', like_count(1), like_count(2)
        )
    return _LIKE_COUNT_FORMS[language]


@register.filter
def reply_count(n):
    """ "1 reply", "2 replies"."""
    n = n or 0
    return ngettext("%(n)s reply", "%(n)s replies", n) % {"n": localize(n)}


@register.simple_tag(takes_context=True)
def film_cards(context, films, show_director=False):
    """The cards of these films (films.cards): {% film_cards page show_director=True %}."""
    return render_film_cards(context, films, show_director=show_director)


@register.simple_tag(takes_context=True)
def review_cards(context, reviews, show_film=False, truncate=False, heading=""):
    """The cards of these reviews (reviews.cards): {% review_cards page show_film=True %}."""
    return render_cards(context, reviews, show_film=show_film, truncate=truncate, heading=heading)


@register.simple_tag(takes_context=True)
def review_card(context, review, show_film=False, truncate=False, heading=""):
    """One review's card: {% review_card review heading="h1" %}."""
    return render_cards(context, [review], show_film=show_film, truncate=truncate, heading=heading)


@register.inclusion_tag("partials/stars.html")
def stars(rating, size=""):
    """Five stars with halves for a 1..10 rating, with a text alternative for screen readers."""
    rating = max(0, min(10, int(rating)))
    return {
        # The partial draws the stars from a CSS class (r0..r10, half-star steps) and
        # hides them from assistive technology, which reads this label instead.
        "value": rating,
        "label": _("Rated %(stars)s out of 5") % {"stars": f"{rating / 2:g}"},
        "size": size,
    }


@register.inclusion_tag("partials/stars.html")
def average_stars(average, size=""):
    """Stars for an average on the 1..10 scale, rounded to the nearest half star."""
    if average is None:
        return {"none": True}
    context = stars(round(average), size)
    context["label"] = _("Average rating %(stars)s out of 5") % {"stars": f"{average / 2:.1f}"}
    return context


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (and page reset unless given)."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.inclusion_tag("partials/histogram.html")
def rating_histogram(counts, caption=""):
    """An SVG bar chart of ratings ½★..5★ (counts for ratings 1..10), with a text table."""
    counts = (list(counts or []) + [0] * 10)[:10]
    tallest = max(counts) or 1
    total = sum(counts)
    bar_width, gap, height = 9, 1, 40
    bars = []
    for i, count in enumerate(counts):
        h = round(height * count / tallest, 1) if count else 0.5
        bars.append(
            {
                "rating": i + 1,
                "count": count,
                "x": i * (bar_width + gap),
                "y": round(height - h, 1),
                "height": h,
                "width": bar_width,
                "percent": round(100 * count / total) if total else 0,
            }
        )
    return {"bars": bars, "total": total, "caption": caption}
