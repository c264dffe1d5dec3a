"""Film cards (catalog, search, home), rendered a list at a time from fragments keyed by
what they show (core.fragments): the film's title, year, poster, link and rating, its
directors where the card shows them, and the card's place in the grid (the first posters
load eagerly). The same for every reader, so whole cards are kept.

A list that shows directors must prefetch them as `film.credits` (the views do): the key
reads them for every card.
"""

from django.utils.safestring import mark_safe

from core import fragments

TEMPLATE = "partials/film_card.html"
EAGER_POSTERS = 6  # partials/film_poster.html: later posters load lazily


def card_key(film, *, show_director=False, position=None):
    parts = [
        film.pk,
        film.slug,
        film.title,
        film.year,
        film.poster.name,
        film.rating_count,
        film.rating_average,
        position is None or position > EAGER_POSTERS,
    ]
    if show_director:
        parts.append([credit.person.name for credit in film.credits.all()])
    return fragments.key("film-card", parts)


def render_film_cards(context, films, *, show_director=False):
    """The HTML of these films' cards, numbered from 1 in the grid."""
    films = list(films)
    keys = [
        card_key(film, show_director=show_director, position=n)
        for n, film in enumerate(films, start=1)
    ]
    template = context.template.engine.get_template(TEMPLATE)

    def card(i):
        with context.push(film=films[i], show_director=show_director, position=i + 1):
            return template.render(context)

    return mark_safe("".join(fragments.rendered(keys, card)))  # noqa: S308 - our rendering
