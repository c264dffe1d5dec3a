"""Review cards, rendered a list at a time from fragments keyed by what they show.

A card's key (core.fragments) covers every value its template reads: the review's rating,
words, spoiler flag and dates, its author's name and avatar, its film's title, year and
poster where the card shows the film, the card's options and, for a visitor who isn't
logged in, the like and reply counts in its footer.

A visitor who isn't logged in gets whole cards from the cache. A member's footer (like
button, CSRF token, edit links) is theirs alone: it is rendered for each card around the
cached header and body.
"""

from django.utils.safestring import mark_safe

from core import fragments

BODY_TEMPLATE = "partials/review_card_body.html"
CARD_TEMPLATE = "partials/review_card.html"


def card_key(review, *, member, spoiler_safe=False, show_film=False, truncate=False, heading=""):
    """The fragment key of one card: the whole card for a visitor (member=False), the
    header and body for a member."""
    author = review.author
    parts = [
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
    return fragments.key("card", parts)


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
    engine = context.template.engine

    def body(i):
        with context.push(review=reviews[i], **options):
            return engine.get_template(BODY_TEMPLATE).render(context)

    def card(i, body_html):
        safe_body = mark_safe(body_html)  # noqa: S308 - rendered by the template above
        with context.push(review=reviews[i], card_body=safe_body, **options):
            return engine.get_template(CARD_TEMPLATE).render(context)

    if member:
        html = [card(i, b) for i, b in enumerate(fragments.rendered(keys, body))]
    else:
        html = fragments.rendered(keys, lambda i: card(i, body(i)))
    return mark_safe("".join(html))  # noqa: S308 - rendered by the templates above
