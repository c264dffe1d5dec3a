"""Fixtures for the outside-in suite, on top of the root conftest's factories."""

import itertools

import pytest
from django.test import Client

_seq = itertools.count(1)


@pytest.fixture
def client_for(db):
    """A separate browser logged in as `user`: for tests that need two people at once."""

    def make(user=None):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def make_genre(db):
    from films.models import Genre

    def make(name):
        from django.utils.text import slugify

        return Genre.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]

    return make


@pytest.fixture
def make_country(db):
    from films.models import Country

    def make(code, name):
        return Country.objects.get_or_create(code=code, defaults={"name": name})[0]

    return make


@pytest.fixture
def make_person(db):
    from films.models import Person

    def make(name, **kw):
        return Person.objects.create(name=name, **kw)

    return make


@pytest.fixture
def her(film, make_genre, make_country, make_person):
    """ "Her" (2013) with the facts the film page must show."""
    from films.models import Company, Credit

    film.tagline = "A Spike Jonze Love Story"
    film.overview = "In the not so distant future, Theodore, a lonely writer, falls for an OS."
    film.original_title = "Her"
    film.save()
    film.genres.add(make_genre("Romance"), make_genre("Science Fiction"), make_genre("Drama"))
    film.companies.add(
        Company.objects.create(name="Annapurna Pictures", slug="annapurna-pictures"),
        Company.objects.create(name="Warner Bros. Pictures", slug="warner-bros-pictures"),
    )
    film.countries.add(make_country("US", "United States"))
    jonze = make_person("Spike Jonze", birth_year=1969)
    Credit.objects.create(film=film, person=jonze, role=Credit.Role.DIRECTOR)
    Credit.objects.create(film=film, person=jonze, role=Credit.Role.WRITER)
    for order, (name, character) in enumerate(
        [
            ("Joaquin Phoenix", "Theodore"),
            ("Scarlett Johansson", "Samantha"),
            ("Amy Adams", "Amy"),
            ("Rooney Mara", "Catherine"),
            ("Chris Pratt", "Paul"),
        ]
    ):
        Credit.objects.create(
            film=film,
            person=make_person(name),
            role=Credit.Role.CAST,
            character=character,
            order=order,
        )
    return film


@pytest.fixture
def make_users(make_user):
    """n fresh users with distinct display names."""

    def make(n, prefix="reader"):
        users = []
        for _ in range(n):
            i = next(_seq)
            users.append(make_user(username=f"{prefix}{i}", display_name=f"{prefix.title()} {i}"))
        return users

    return make


@pytest.fixture
def moderator(make_user):
    """A staff member in the "Moderators" group the data migration creates."""
    from django.contrib.auth.models import Group

    user = make_user(username="mod", is_staff=True)
    group = Group.objects.get(name="Moderators")
    user.groups.add(group)
    return user
