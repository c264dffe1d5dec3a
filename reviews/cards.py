"""Review cards, rendered a list at a time from fragments keyed by what they show.

A card's key is a digest of every value its template reads: the review's rating, words,
spoiler flag and dates, its author's name and avatar, its film's title, year and poster
where the card shows the film, the card's options and, for a visitor who isn't logged in,
the like and reply counts in its footer. A changed value is a new key, so no card can
show stale data, and a card keeps its fragment through writes that don't touch it: unlike
fragments keyed by the site-wide content version (core.cache), which every write retires.

A list looks up all its cards in one get_many() and renders only the missing ones. A
visitor who isn't logged in gets whole cards from the cache. A member's footer (like
button, CSRF token, edit links) is theirs alone: it is rendered for each card around the
cached header and body.
"""

import hashlib

from django.core.cache import caches
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# Bump when the card templates change what they read, so no process mixes old and new keys
# (fragments live in each process's memory; a deploy restarts the processes anyway).
SCHEMA = 1
TIMEOUT = 60 * 60

BODY_TEMPLATE = "partials/review_card_body.html"
CARD_TEMPLATE = "partials/review_card.html"


def card_key(review, *, member, spoiler_safe=False, show_film=False, truncate=False, heading=""):
    """The fragment key of one card: the whole card for a visitor (member=False), the
    header and body for a member."""
    author = review.author
    parts = [
        SCHEMA,
        get_language(),
        timezone.get_current_timezone_name(),
        review.pk,
        review.rating,
        review.headline,
        review.body_html,
        review.contains_spoilers,
        review.created,
        review.edited,
        author.pk,
        author.username,
        author.display_name,
        author.avatar.name,
        bool(show_film),
        bool(truncate),
        heading,
    ]
    if show_film:
        film = review.film
        parts += [film.pk, film.slug, film.title, film.year, film.poster.name]
    if member:
        parts += ["member", bool(spoiler_safe)]
    else:
        parts += ["visitor", review.like_count, review.reply_count]
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"card:{digest}"


def render_cards(context, reviews, *, show_film=False, truncate=False, heading=""):
    """The HTML of these reviews' cards, rendered in `context` (a template context with the
    request and user), from fragments where it can."""
    reviews = list(reviews)
    if not reviews:
        return ""
    user = context.get("user")
    member = bool(user is not None and user.is_authenticated)
    spoiler_safe = bool(member and user.spoiler_safe)
    options = {"show_film": show_film, "truncate": truncate, "heading": heading}
    keys = [card_key(r, member=member, spoiler_safe=spoiler_safe, **options) for r in reviews]
    fragments = caches["fragments"]
    found = fragments.get_many(keys)
    engine = context.template.engine
    new = {}
    out = []
    for review, key in zip(reviews, keys, strict=True):
        html = found.get(key)
        if html is not None and not member:
            out.append(html)
            continue
        with context.push(review=review, **options):
            if html is None:
                html = engine.get_template(BODY_TEMPLATE).render(context)
                if member:
                    new[key] = html
            with context.push(card_body=mark_safe(html)):  # noqa: S308 - our own rendering
                card = engine.get_template(CARD_TEMPLATE).render(context)
        if not member:
            new[key] = card
        out.append(card)
    if new:
        fragments.set_many(new, TIMEOUT)
    return mark_safe("".join(out))  # noqa: S308 - rendered by the templates above
