"""What people really type finds the film they mean, first, on SQLite and PostgreSQL.

The catalog is built here, with decoys that share words, prefixes or trigrams with the
expected film, and IMDb vote counts so that popularity matters where it should.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# title, year, IMDb votes, original title, [(alternative title, language, region)]
CATALOG = [
    ("Pacific Rim", 2013, 520_000, "", []),
    ("Pacific Rim: Uprising", 2018, 190_000, "", []),
    ("Pacific Heights", 1990, 30_000, "", []),
    ("Jumanji", 1995, 380_000, "", []),
    ("Jumanji: Welcome to the Jungle", 2017, 430_000, "", []),
    ("Jumanji: The Next Level", 2019, 250_000, "", []),
    ("The Dark Knight", 2008, 2_900_000, "", [("El caballero oscuro", "es", "ES")]),
    ("The Dark Knight Rises", 2012, 1_800_000, "", []),
    ("Dark City", 1998, 200_000, "", []),
    ("The Dark Tower", 2017, 150_000, "", []),
    ("Jurassic Park", 1993, 1_100_000, "", [("Parque Jurásico", "es", "ES")]),
    (
        "The Lost World: Jurassic Park",
        1997,
        480_000,
        "",
        [("El mundo perdido: Parque Jurásico", "es", "ES")],
    ),
    ("Jurassic World", 2015, 680_000, "", [("Mundo Jurásico", "es", "ES")]),
    ("Amélie", 2001, 790_000, "Le Fabuleux Destin d'Amélie Poulain", []),
    ("Amelia", 2009, 12_000, "", []),
    ("Love, Simon", 2018, 120_000, "", []),
    ("Love Actually", 2003, 520_000, "", []),
    ("Simon Birch", 1998, 20_000, "", []),
    ("Hotel Transylvania", 2012, 270_000, "", [("Hotel Transilvania", "es", "MX")]),
    ("Hotel Transylvania 2", 2015, 130_000, "", [("Hotel Transilvania 2", "es", "MX")]),
    (
        "Hotel Transylvania 3: Summer Vacation",
        2018,
        80_000,
        "",
        [("Hotel Transilvania 3: Monstruos de vacaciones", "es", "MX")],
    ),
    ("Her", 2013, 660_000, "", [("Ella", "es", "ES")]),
    ("Hereditary", 2018, 410_000, "", []),
    ("Here", 2024, 40_000, "", []),
    ("Her Smell", 2018, 9_000, "", []),
    ("Brothers", 2009, 110_000, "", []),
    ("Inception", 2010, 2_600_000, "", [("El origen", "es", "ES")]),
    ("Dune", 1984, 170_000, "", []),
    ("Dune", 2021, 900_000, "", []),
    ("Dune: Part Two", 2024, 600_000, "", []),
    ("Eternal Sunshine of the Spotless Mind", 2004, 1_100_000, "", []),
    ("Sunshine", 2007, 260_000, "", []),
    ("The Lord of the Rings: The Fellowship of the Ring", 2001, 2_000_000, "", []),
    ("The Lord of the Rings: The Two Towers", 2002, 1_800_000, "", []),
    ("The Lord of the Rings: The Return of the King", 2003, 1_900_000, "", []),
    ("Spirited Away", 2001, 900_000, "Sen to Chihiro no Kamikakushi", []),
    ("Pan's Labyrinth", 2006, 700_000, "El laberinto del fauno", []),
    ("WALL·E", 2008, 1_200_000, "", []),
    ("The Shawshank Redemption", 1994, 2_900_000, "", []),
    ("Interstellar", 2014, 2_100_000, "", []),
    ("Goodfellas", 1990, 1_200_000, "", []),
    ("La La Land", 2016, 650_000, "", []),
    ("Up", 2009, 1_100_000, "", []),
    ("Upgrade", 2018, 250_000, "", []),
    ("Up in the Air", 2009, 350_000, "", []),
    ("Mad Max", 1979, 220_000, "", []),
    ("Mad Max: Fury Road", 2015, 1_100_000, "", []),
    ("Downfall", 2004, 370_000, "Der Untergang", []),
    ("Parasite", 2019, 950_000, "Gisaengchung", []),
    ("City of God", 2002, 800_000, "Cidade de Deus", []),
    ("Schindler's List", 1993, 1_500_000, "", []),
    ("The Matrix", 1999, 2_100_000, "", []),
    ("The Matrix Reloaded", 2003, 620_000, "", []),
    ("Harry Potter and the Sorcerer's Stone", 2001, 850_000, "", []),
    ("Harry Potter and the Chamber of Secrets", 2002, 660_000, "", []),
    ("Toy Story", 1995, 1_100_000, "", []),
    ("Toy Story 2", 1999, 640_000, "", []),
    ("Toy Story 3", 2010, 890_000, "", []),
    ("Oldboy", 2003, 620_000, "Oldeuboi", []),
    ("Crouching Tiger, Hidden Dragon", 2000, 280_000, "Wo hu cang long", []),
]

# query -> (title, year) expected first
CASES = [
    ("pacific rimm", ("Pacific Rim", 2013)),
    ("pacific rim", ("Pacific Rim", 2013)),
    ("jumenji", ("Jumanji", 1995)),
    ("the dark knigth", ("The Dark Knight", 2008)),
    ("dark knight", ("The Dark Knight", 2008)),
    ("dark knight rises", ("The Dark Knight Rises", 2012)),
    ("parque jurasico", ("Jurassic Park", 1993)),
    ("jurasic park", ("Jurassic Park", 1993)),
    ("mundo jurasico", ("Jurassic World", 2015)),
    ("amelie", ("Amélie", 2001)),
    ("AMÉLIE", ("Amélie", 2001)),
    ("amelie poulain", ("Amélie", 2001)),
    ("love simon", ("Love, Simon", 2018)),
    ("hotel transilvania3", ("Hotel Transylvania 3: Summer Vacation", 2018)),
    ("hotel transylvania 2", ("Hotel Transylvania 2", 2015)),
    ("her", ("Her", 2013)),
    ("Her", ("Her", 2013)),
    ("ella", ("Her", 2013)),
    ("inception 2010", ("Inception", 2010)),
    ("dune 1984", ("Dune", 1984)),
    ("dune", ("Dune", 2021)),
    ("eternal sunshine", ("Eternal Sunshine of the Spotless Mind", 2004)),
    ("lord of the rings fellowship", ("The Lord of the Rings: The Fellowship of the Ring", 2001)),
    ("return of the king", ("The Lord of the Rings: The Return of the King", 2003)),
    ("sen to chihiro", ("Spirited Away", 2001)),
    ("spirted away", ("Spirited Away", 2001)),
    ("el laberinto del fauno", ("Pan's Labyrinth", 2006)),
    ("pans labyrinth", ("Pan's Labyrinth", 2006)),
    ("wall-e", ("WALL·E", 2008)),
    ("the shawshank redemtion", ("The Shawshank Redemption", 1994)),
    ("intersteller", ("Interstellar", 2014)),
    ("goodfelas", ("Goodfellas", 1990)),
    ("la la land", ("La La Land", 2016)),
    ("up", ("Up", 2009)),
    ("mad max fury road", ("Mad Max: Fury Road", 2015)),
    ("der untergang", ("Downfall", 2004)),
    ("gisaengchung", ("Parasite", 2019)),
    ("cidade de deus", ("City of God", 2002)),
    ("schindlers list", ("Schindler's List", 1993)),
    ("the matrix 1999", ("The Matrix", 1999)),
    ("matrix", ("The Matrix", 1999)),
    ("harry potter sorcerers stone", ("Harry Potter and the Sorcerer's Stone", 2001)),
    ("toy story 3", ("Toy Story 3", 2010)),
    ("toy story3", ("Toy Story 3", 2010)),
    ("toy story", ("Toy Story", 1995)),
    ("crouching tiger", ("Crouching Tiger, Hidden Dragon", 2000)),
    ("oldboy 2003", ("Oldboy", 2003)),
]


@pytest.fixture
def catalog(db):
    import datetime

    from films.models import AlternativeTitle, Film

    films = {}
    for title, year, votes, original, akas in CATALOG:
        film = Film.objects.create(
            title=title,
            original_title=original,
            release_date=datetime.date(year, 6, 1),
            imdb_votes=votes,
        )
        for aka, language, region in akas:
            AlternativeTitle.objects.create(film=film, title=aka, language=language, region=region)
        films[(title, year)] = film
    return films


def test_there_are_enough_cases(db):
    assert len(CASES) >= 30
    assert {title for _q, title in CASES} <= {(t, y) for t, y, *_ in CATALOG}


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_search_finds_the_film_first(client, catalog, query, expected):
    response = client.get(reverse("films:search"), {"q": query})
    assert response.status_code == 200
    films = response.context["films"]
    found = [(f.title, f.year) for f in films[:5]]
    assert found and found[0] == expected, f"{query!r} -> {found}"
    assert f'href="{catalog[expected].get_absolute_url()}"' in response.content.decode()


def test_unrelated_query_finds_nothing(client, catalog):
    response = client.get(reverse("films:search"), {"q": "zzzqqxx"})
    assert list(response.context["films"]) == []
    assert "No films found." in response.content.decode()
