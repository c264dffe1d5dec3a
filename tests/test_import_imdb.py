"""`manage.py import_imdb DIR` on small IMDb-format files written here: gzip and plain TSV,
akas in several languages, broken rows, re-runs, interruptions."""

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

N = "\\N"
BASICS_HEADER = (
    "tconst titleType primaryTitle originalTitle isAdult startYear endYear runtimeMinutes genres"
)
BASICS = [
    ["tt0000001", "movie", "Her", "Her", "0", "2013", N, "126", "Drama,Romance,Sci-Fi"],
    ["tt0000002", "movie", "Jurassic Park", "Jurassic Park", "0", "1993", N, "127", "Adventure"],
    ["tt0000003", "tvSeries", "Some Show", "Some Show", "0", "2001", "2004", "45", "Comedy"],
    ["tt0000004", "movie", "Adult Film", "Adult Film", "1", "2001", N, "80", "Adult"],
    [
        "tt0000005",
        "movie",
        "Amélie",
        "Le Fabuleux Destin d'Amélie Poulain",
        "0",
        "2001",
        N,
        "122",
        "Comedy,Romance",
    ],
    ["tt0000006", "movie", "Her", "Her", "0", "2020", N, N, N],
    ["tt0000007", "movie", "Broken Year", "Broken Year", "0", "19x3", N, "90", "Drama"],
    ["tt0000008", "movie", "Too Few Fields"],
    ["xx0000009", "movie", "Bad Id", "Bad Id", "0", "2000", N, "90", "Drama"],
]
AKAS_HEADER = "titleId ordering title region language types attributes isOriginalTitle"
AKAS = [
    ["tt0000002", "1", "Jurassic Park", N, N, "original", N, "1"],
    ["tt0000002", "2", "Parque Jurásico", "ES", "es", "imdbDisplay", N, "0"],
    ["tt0000002", "3", "Parc jurassique", "FR", "fr", "imdbDisplay", N, "0"],
    ["tt0000002", "4", "ジュラシック・パーク", "JP", "ja", "imdbDisplay", N, "0"],
    ["tt0000003", "2", "Ein Show", "DE", "de", N, N, "0"],  # not a film: skipped
    ["tt0000005", "2", "Die fabelhafte Welt der Amélie", "DE", "de", N, N, "0"],
    ["tt0000001", "2", "Ella", "ES", "es", N, N, "0"],
    ["tt0000001", "3", "Ella", "ES", "es", N, N, "0"],  # a duplicate: one row
    ["tt0000002", "5", "Bad Region", "TOOLONG", "es", N, N, "0"],
    ["tt0000002", "6"],
]
PRINCIPALS_HEADER = "tconst ordering nconst category job characters"
PRINCIPALS = [
    ["tt0000001", "1", "nm0000001", "actor", N, '["Theodore"]'],
    ["tt0000001", "2", "nm0000002", "actress", N, '["Samantha"]'],
    ["tt0000001", "3", "nm0000003", "director", N, N],
    ["tt0000001", "4", "nm0000010", "producer", "producer", N],  # not shown: skipped
    ["tt0000002", "1", "nm0000007", "actor", N, '["Dr. Alan Grant"]'],
    ["tt0000002", "2", "nm0000008", "actor", N, "[not json"],
    ["tt0000003", "1", "nm0000011", "actor", N, '["Host"]'],  # not a film: skipped
]
CREW_HEADER = "tconst directors writers"
CREW = [
    ["tt0000001", "nm0000003", "nm0000003"],
    ["tt0000002", "nm0000004", "nm0000005,nm0000006"],
    ["tt0000005", "nm0000012", N],
    ["tt0000006", "not-an-id", N],
]
NAMES_HEADER = "nconst primaryName birthYear deathYear primaryProfession knownForTitles"
NAMES = [
    ["nm0000001", "Joaquin Phoenix", "1974", N, "actor", "tt0000001"],
    ["nm0000002", "Scarlett Johansson", "1984", N, "actress", "tt0000001"],
    ["nm0000003", "Spike Jonze", "1969", N, "director", "tt0000001"],
    ["nm0000004", "Steven Spielberg", "1946", N, "director", "tt0000002"],
    ["nm0000005", "Michael Crichton", "1942", "2008", "writer", "tt0000002"],
    ["nm0000006", "David Koepp", "1963", N, "writer", "tt0000002"],
    ["nm0000007", "Sam Neill", "1947", N, "actor", "tt0000002"],
    ["nm0000012", "Jean-Pierre Jeunet", "1953", N, "director", "tt0000005"],
    ["nm0000099", "Nobody Credited", "1950", N, "actor", N],  # not on an imported film
    ["nm0000098", "Bad Birth", "circa 1900", N, "actor", N],
]
RATINGS_HEADER = "tconst averageRating numVotes"
RATINGS = [
    ["tt0000001", "8.0", "660000"],
    ["tt0000002", "8.2", "1100000"],
    ["tt0000003", "7.0", "100"],
]


def write(directory, name, header, rows, gz=False):
    text = "\t".join(header.split()) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    path = Path(directory) / f"{name}.tsv{'.gz' if gz else ''}"
    if gz:
        with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.fixture
def imdb_dir(tmp_path):
    d = tmp_path / "imdb"
    d.mkdir()
    write(d, "title.basics", BASICS_HEADER, BASICS, gz=True)
    write(d, "title.akas", AKAS_HEADER, AKAS, gz=True)
    write(d, "title.principals", PRINCIPALS_HEADER, PRINCIPALS)
    write(d, "title.crew", CREW_HEADER, CREW)
    write(d, "name.basics", NAMES_HEADER, NAMES, gz=True)
    write(d, "title.ratings", RATINGS_HEADER, RATINGS)
    return d


def run_import(directory, **kw):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_imdb", str(directory), stdout=out, stderr=err, **kw)
    return out.getvalue(), err.getvalue()


def test_imports_movies_with_akas_people_and_credits(imdb_dir):
    from films.models import AlternativeTitle, Credit, Film, Person

    out, err = run_import(imdb_dir)

    films = {f.imdb_id: f for f in Film.objects.all()}
    assert set(films) == {"tt0000001", "tt0000002", "tt0000005", "tt0000006"}
    her = films["tt0000001"]
    assert (her.title, her.year, her.runtime_minutes, her.slug) == ("Her", 2013, 126, "her")
    assert films["tt0000006"].slug == "her-2020"  # the year makes a readable unique slug
    assert sorted(her.genres.values_list("name", flat=True)) == ["Drama", "Romance", "Sci-Fi"]
    amelie = films["tt0000005"]
    assert amelie.original_title == "Le Fabuleux Destin d'Amélie Poulain"
    assert amelie.slug == "amelie"
    assert her.original_title == ""  # same as the title: not repeated
    assert her.imdb_votes == 660000

    akas = set(
        AlternativeTitle.objects.filter(film=films["tt0000002"]).values_list(
            "title", "language", "region"
        )
    )
    assert akas == {
        ("Parque Jurásico", "es", "ES"),
        ("Parc jurassique", "fr", "FR"),
        ("ジュラシック・パーク", "ja", "JP"),
    }
    assert AlternativeTitle.objects.filter(film=her, title="Ella").count() == 1

    cast = list(
        Credit.objects.filter(film=her, role="cast")
        .order_by("order")
        .values_list("person__name", "character", "order")
    )
    assert cast == [("Joaquin Phoenix", "Theodore", 1), ("Scarlett Johansson", "Samantha", 2)]
    jonze = Person.objects.get(imdb_id="nm0000003")
    assert (jonze.name, jonze.slug, jonze.birth_year) == ("Spike Jonze", "spike-jonze", 1969)
    assert set(Credit.objects.filter(person=jonze).values_list("role", flat=True)) == {
        "director",
        "writer",
    }
    jp_crew = set(
        Credit.objects.filter(film=films["tt0000002"])
        .exclude(role="cast")
        .values_list("person__name", "role")
    )
    assert jp_crew == {
        ("Steven Spielberg", "director"),
        ("Michael Crichton", "writer"),
        ("David Koepp", "writer"),
    }
    assert Person.objects.get(imdb_id="nm0000005").death_year == 2008
    # Producers, people of skipped titles and people never credited are not imported.
    assert not Person.objects.filter(imdb_id__in=["nm0000010", "nm0000011", "nm0000099"]).exists()

    assert "rows/s" in err  # the progress bar
    assert "rejected" in out and "Import finished." in out


def test_malformed_rows_are_counted_and_written_with_line_numbers(imdb_dir):
    from films.models import Film

    out, _err = run_import(imdb_dir)

    rejects = (imdb_dir / "import_imdb.rejects.tsv").read_text(encoding="utf-8")
    lines = rejects.splitlines()
    assert lines[0] == "file\tline\treason\trow"
    by_file = {}
    for line in lines[1:]:
        name, lineno, reason, _row = line.split("\t", 3)
        by_file.setdefault(name, []).append((int(lineno), reason))
    by_file = {name: sorted(rows) for name, rows in by_file.items()}
    # Line numbers count the header as line 1.
    assert [n for n, _ in by_file["title.basics"]] == [8, 9, 10]
    assert "startYear" in by_file["title.basics"][0][1]
    assert "expected 9 fields" in by_file["title.basics"][1][1]
    assert "title id" in by_file["title.basics"][2][1]
    assert [n for n, _ in by_file["title.akas"]] == [10, 11]
    assert "region" in by_file["title.akas"][0][1]
    assert [n for n, _ in by_file["title.principals"]] == [7]
    assert "JSON" in by_file["title.principals"][0][1]
    assert [n for n, _ in by_file["title.crew"]] == [5]
    assert [n for n, _ in by_file["name.basics"]] == [11]
    assert "8 rejected rows written to" in out
    assert "import_imdb.rejects.tsv" in out
    # Good rows around the broken ones all made it.
    assert Film.objects.count() == 4


def test_rerun_updates_instead_of_duplicating_and_keeps_local_edits(
    imdb_dir, make_user, make_review
):
    from films.models import AlternativeTitle, Credit, Film, Person

    run_import(imdb_dir)
    counts = (
        Film.objects.count(),
        Person.objects.count(),
        Credit.objects.count(),
        AlternativeTitle.objects.count(),
    )
    her = Film.objects.get(imdb_id="tt0000001")
    her.tagline = "A Spike Jonze Love Story"  # a fact IMDb doesn't have
    her.save()
    make_review(film=her, author=make_user(), rating=9, body="Lovely.")

    # IMDb renamed a film meanwhile.
    basics = [list(r) for r in BASICS]
    basics[1][2] = "Jurassic Park (Restored)"
    write(imdb_dir, "title.basics", BASICS_HEADER, basics, gz=True)
    out, _err = run_import(imdb_dir)

    assert counts == (
        Film.objects.count(),
        Person.objects.count(),
        Credit.objects.count(),
        AlternativeTitle.objects.count(),
    )
    her.refresh_from_db()
    assert her.tagline == "A Spike Jonze Love Story"
    assert (her.review_count, her.rating_count, her.rating_sum) == (1, 1, 9)
    jp = Film.objects.get(imdb_id="tt0000002")
    assert jp.title == "Jurassic Park (Restored)"
    assert jp.slug == "jurassic-park"  # links keep working
    title_row = next(line for line in out.splitlines() if line.startswith("title.basics"))
    assert title_row.split()[1:5] == ["9", "0", "1", "3"]  # read, created, updated, unchanged


def test_imported_catalog_is_searchable_at_once(client, imdb_dir):
    run_import(imdb_dir)

    response = client.get(reverse("films:search"), {"q": "parque jurasico"})
    assert [f.imdb_id for f in response.context["films"]][:1] == ["tt0000002"]
    response = client.get(reverse("films:search"), {"q": "spike jonz"})
    page = response.content.decode()
    assert 'href="/people/spike-jonze/"' in page
    response = client.get(reverse("films:search"), {"q": "fabuleux destin"})
    assert [f.imdb_id for f in response.context["films"]][:1] == ["tt0000005"]


def test_a_retitle_on_rerun_reaches_the_search_index(client, imdb_dir):
    run_import(imdb_dir)
    basics = [list(r) for r in BASICS]
    basics[1][2] = "Dinosaur Island"
    write(imdb_dir, "title.basics", BASICS_HEADER, basics, gz=True)
    run_import(imdb_dir)

    found = client.get(reverse("films:search"), {"q": "dinosaur island"}).context["films"]
    assert [f.imdb_id for f in found][:1] == ["tt0000002"]
    # Its alternative titles still find it after the reindex.
    found = client.get(reverse("films:search"), {"q": "parc jurassique"}).context["films"]
    assert [f.imdb_id for f in found][:1] == ["tt0000002"]


def test_an_interrupted_import_keeps_its_batches_and_a_rerun_completes(imdb_dir, monkeypatch):
    from films.imdb import Importer
    from films.models import AlternativeTitle, Film

    calls = {"n": 0}
    original = Importer._akas

    def failing_akas(self, rows, stats):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(self, rows, stats)

    monkeypatch.setattr(Importer, "_akas", failing_akas)
    with pytest.raises(KeyboardInterrupt):
        run_import(imdb_dir, batch_size=2)
    assert Film.objects.count() == 4  # title.basics finished and stayed
    partial = AlternativeTitle.objects.count()
    assert partial < 5

    monkeypatch.setattr(Importer, "_akas", original)
    run_import(imdb_dir, batch_size=2)
    assert Film.objects.count() == 4
    assert AlternativeTitle.objects.count() == 5


def test_reads_plain_tsv_and_only_the_files_present(tmp_path):
    from films.models import Credit, Film

    write(tmp_path, "title.basics", BASICS_HEADER, BASICS[:2])
    out, _err = run_import(tmp_path, no_progress=True)
    assert Film.objects.count() == 2
    assert Credit.objects.count() == 0
    assert "title.akas" not in out
    assert not (tmp_path / "import_imdb.rejects.tsv").exists()


def test_missing_or_empty_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No IMDb dataset files"):
        run_import(tmp_path)
    with pytest.raises(CommandError, match="No IMDb dataset files"):
        run_import(tmp_path / "does-not-exist")


def test_a_file_without_the_expected_columns_is_a_clear_error(tmp_path):
    (tmp_path / "title.basics.tsv").write_text("foo\tbar\n1\t2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="header lacks"):
        run_import(tmp_path)


def test_invalid_utf8_is_rejected_not_fatal(tmp_path):
    from films.models import Film

    path = write(tmp_path, "title.basics", BASICS_HEADER, BASICS[:2])
    with open(path, "ab") as f:
        f.write(b"tt0000010\tmovie\t\xff\xfe\tx\t0\t2000\t\\N\t90\tDrama\n")
    out, _err = run_import(tmp_path)
    assert Film.objects.count() == 2
    assert "not valid UTF-8" in (tmp_path / "import_imdb.rejects.tsv").read_text()
    assert "1 rejected" in out


def test_search_index_matches_the_catalog_after_imports_and_edits(imdb_dir):
    """The importer feeds SQLite's FTS tables in bulk; FTS5's integrity-check (rank=1
    compares against the content tables) proves nothing was missed or left stale."""
    from django.db import connection

    from films.models import AlternativeTitle, Film, Person

    run_import(imdb_dir)
    basics = [list(r) for r in BASICS]
    basics[1][2] = "Jurassic Park Renamed"
    write(imdb_dir, "title.basics", BASICS_HEADER, basics, gz=True)
    names = [list(r) for r in NAMES]
    names[0][1] = "Joaquín Rafael Phoenix"
    names[1][2] = "1985"  # not a search change
    write(imdb_dir, "name.basics", NAMES_HEADER, names, gz=True)
    run_import(imdb_dir)
    # Edits through the ORM (what the admin does) after the import.
    Person.objects.filter(imdb_id="nm0000003").get().save()
    AlternativeTitle.objects.create(film=Film.objects.get(imdb_id="tt0000006"), title="Ella 2")

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in ("films_filmtitle_fts", "films_person_fts"):
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608 - fixed names
            cursor.execute("SELECT COUNT(*) FROM films_search_bulk_load")
            assert cursor.fetchone()[0] == 0
    from films.search import search_films, search_people

    assert [p.imdb_id for p in search_people("joaquin rafael")][:1] == ["nm0000001"]
    assert [f.imdb_id for f in search_films("jurassic park renamed")][:1] == ["tt0000002"]


def test_bulk_normalize_and_slugify_match_the_one_at_a_time_functions():
    """The importer normalizes and slugifies in bulk; search and slugs depend on it giving
    exactly what the per-text functions give."""
    import random

    from django.utils.text import slugify

    from films.imdb import WHITESPACE, _slugify_many
    from films.search import normalize, normalize_many

    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    pieces = [*"abcXYZ 019_-.,'\"!?\t\x1c\x85\xa0", "é", "É", "ß", "ﬁ", "İ", "Σ", "ς", "①"]
    pieces += ["²", "٣", "\u0301", "\u2028", "\u3000", "ｶﾞ", "Å", "ĳ", "日本", "🎬", "\U0001d400"]
    rng = random.Random(3)
    for _ in range(2000):
        texts = [
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
            for _ in range(rng.randint(1, 12))
        ]
        assert normalize_many(texts) == [normalize(t) for t in texts]
        assert _slugify_many(texts) == [slugify(t) for t in texts]


def test_slugs_are_readable_unique_and_the_same_whatever_the_batch_size(tmp_path):
    from films.models import Film

    rows = [
        ["tt0000101", "movie", "Her", "Her", "0", "2013", N, "90", "Drama"],
        ["tt0000102", "movie", "Her", "Her", "0", "2013", N, "90", "Drama"],
        ["tt0000103", "movie", "Her", "Her", "0", "2020", N, "90", "Drama"],
        ["tt0000104", "movie", "Her", "Her", "0", N, N, "90", "Drama"],
        ["tt0000105", "movie", "Her", "Her", "0", "2013", N, "90", "Drama"],
        ["tt0000107", "movie", "Ｈｅｒ!", "Her", "0", "2013", N, "90", "Drama"],
        ["tt0000108", "movie", "ジュラシック", "ジュラシック", "0", "1993", N, "90", "Drama"],
        ["tt0000109", "movie", "ジュラシック", "ジュラシック", "0", "1993", N, "90", "Drama"],
    ]
    write(tmp_path, "title.basics", BASICS_HEADER, rows)
    by_batch = {}
    for batch_size in (2, 1000):
        Film.objects.all().delete()
        run_import(tmp_path, batch_size=batch_size)
        by_batch[batch_size] = dict(Film.objects.values_list("imdb_id", "slug"))
    assert by_batch[2] == by_batch[1000]
    assert by_batch[2] == {
        "tt0000101": "her",
        "tt0000102": "her-2013",
        "tt0000103": "her-2020",
        "tt0000104": "her-2",
        "tt0000105": "her-2013-2",
        "tt0000107": "her-2013-3",
        "tt0000108": "untitled",
        "tt0000109": "untitled-1993",
    }


def test_slugs_stay_put_on_rerun_and_newcomers_number_past_them(imdb_dir):
    from films.models import Film

    run_import(imdb_dir)
    before = dict(Film.objects.values_list("imdb_id", "slug"))
    basics = [*BASICS, ["tt0000020", "movie", "Her", "Her", "0", "2013", N, "95", "Drama"]]
    basics.append(["tt0000021", "movie", "Her", "Her", "0", "2013", N, "95", "Drama"])
    write(imdb_dir, "title.basics", BASICS_HEADER, basics, gz=True)
    run_import(imdb_dir, batch_size=1)
    after = dict(Film.objects.values_list("imdb_id", "slug"))
    assert {k: after[k] for k in before} == before
    assert (after["tt0000020"], after["tt0000021"]) == ("her-2013", "her-2013-2")


def test_rerun_keeps_a_local_release_date_and_updates_imdb_facts(imdb_dir):
    import datetime

    from films.models import Film

    run_import(imdb_dir)
    her = Film.objects.get(imdb_id="tt0000001")
    her.release_date = datetime.date(2014, 1, 10)  # a local fact: it owns the year
    her.overview = "Written here."
    her.save()
    basics = [list(r) for r in BASICS]
    basics[0][7] = "120"
    write(imdb_dir, "title.basics", BASICS_HEADER, basics, gz=True)
    ratings = [list(r) for r in RATINGS]
    ratings[0][2] = "700000"
    write(imdb_dir, "title.ratings", RATINGS_HEADER, ratings)
    out, _err = run_import(imdb_dir)

    her.refresh_from_db()
    assert (her.year, her.runtime_minutes, her.overview) == (2014, 120, "Written here.")
    assert her.imdb_votes == 700000
    ratings_row = next(line for line in out.splitlines() if line.startswith("title.ratings"))
    assert ratings_row.split()[1:6] == ["3", "0", "1", "1", "1"]


def test_character_lists_and_crew_lists_are_parsed_or_rejected(tmp_path):
    from films.models import Credit

    write(tmp_path, "title.basics", BASICS_HEADER, BASICS[:2])
    principals = [
        ["tt0000001", "1", "nm0000001", "actor", N, '["Theodore","Twombly"]'],
        ["tt0000001", "2", "nm0000002", "actress", N, '[ "  Samantha " ]'],
        ["tt0000001", "3", "nm0000003", "actor", N, N],
        ["tt0000001", "4", "nm0000004", "self", N, "[]"],
        ["tt0000001", "5", "nm0000005", "actor", N, '["Say \\"Hi\\"", "Caf\\u00e9"]'],
        ["tt0000001", "6", "nm0000006", "actor", N, "[1]"],
        ["tt0000001", "7", "nm0000007", "actor", N, '["unterminated]'],
        ["tt0000001", "x", "nm0000008", "actor", N, '["Bad Order"]'],
        ["tt0000001", "9", "nm0000009", "director", N, '["not shown"]'],
        ["tt0000002", "1", "nm0000010", "producer", N, "[not json"],  # not a credit: skipped
    ]
    write(tmp_path, "title.principals", PRINCIPALS_HEADER, principals)
    crew = [
        ["tt0000002", "nm0000011,nm0000012", N],
        ["tt0000002", "nm0000013,", N],
        ["tt0000002", N, "nm00x"],
        ["tt0000001", N, N],
    ]
    write(tmp_path, "title.crew", CREW_HEADER, crew)
    out, _err = run_import(tmp_path)

    cast = dict(Credit.objects.filter(role="cast").values_list("person__imdb_id", "character"))
    assert cast == {
        "nm0000001": "Theodore / Twombly",
        "nm0000002": "Samantha",
        "nm0000003": "",
        "nm0000004": "",
        "nm0000005": 'Say "Hi" / Café',
    }
    assert Credit.objects.get(person__imdb_id="nm0000009").character == ""
    directors = Credit.objects.filter(role="director", film__imdb_id="tt0000002")
    assert sorted(directors.values_list("person__imdb_id", "order")) == [
        ("nm0000011", 0),
        ("nm0000012", 1),
    ]
    rejects = (tmp_path / "import_imdb.rejects.tsv").read_text(encoding="utf-8").splitlines()
    lines = sorted((r.split("\t")[0], int(r.split("\t")[1])) for r in rejects[1:])
    assert lines == [
        ("title.crew", 3),
        ("title.crew", 4),
        ("title.principals", 7),
        ("title.principals", 8),
        ("title.principals", 9),
    ]
    crew_row = next(line for line in out.splitlines() if line.startswith("title.crew"))
    assert crew_row.split()[1:7] == ["4", "2", "0", "0", "1", "2"]


def test_odd_but_valid_files_import_the_same(tmp_path):
    """Columns in another order with an extra one, CRLF line ends, backslashes and quotes in
    titles, and a broken line in the middle of a batch (the line-by-line path)."""
    from films.models import AlternativeTitle, Film

    header = (
        "genres extra tconst titleType primaryTitle originalTitle isAdult startYear endYear "
        "runtimeMinutes"
    )
    rows = [
        ["Drama", "x", "tt0000001", "movie", "AC\\DC \\N Live", "AC\\DC", "0", "1991", N, "90"],
        ["Comedy", "x", "tt0000002", "movie", 'The "Quoted" One', N, "0", "2001", N, N],
    ]
    text = "\t".join(header.split()) + "\r\n" + "".join("\t".join(r) + "\r\n" for r in rows)
    (tmp_path / "title.basics.tsv").write_text(text, encoding="utf-8", newline="")
    akas = [
        ["tt0000001", "2", "AC\\DC en vivo", "ES", "es", N, N, "0"],
        ["tt0000001", "3", "broken"],
        ["tt0000002", "2", "Der \\ Titel", "DE", "de", N, N, "0"],
    ]
    write(tmp_path, "title.akas", AKAS_HEADER, akas)
    run_import(tmp_path)

    titles = dict(Film.objects.values_list("imdb_id", "title"))
    assert titles == {"tt0000001": "AC\\DC \\N Live", "tt0000002": 'The "Quoted" One'}
    acdc = Film.objects.get(imdb_id="tt0000001")
    assert (acdc.original_title, acdc.slug, acdc.year) == ("AC\\DC", "acdc-n-live", 1991)
    assert Film.objects.get(imdb_id="tt0000002").genres.get().name == "Comedy"
    assert set(AlternativeTitle.objects.values_list("title", flat=True)) == {
        "AC\\DC en vivo",
        "Der \\ Titel",
    }
    rejects = (tmp_path / "import_imdb.rejects.tsv").read_text(encoding="utf-8")
    assert "title.akas\t3\texpected 8 fields, found 3" in rejects


def test_people_credited_before_their_names_are_known_get_them_later(client, imdb_dir):
    from films.models import Credit, Person

    names = imdb_dir / "name.basics.tsv.gz"
    names.rename(imdb_dir / "later.tsv.gz")
    out, _err = run_import(imdb_dir)
    jonze = Person.objects.get(imdb_id="nm0000003")
    assert (jonze.name, jonze.slug) == ("nm0000003", "nm0000003")
    people_row = next(line for line in out.splitlines() if line.startswith("people"))
    assert people_row.split()[2] == "8"  # created, named by their IMDb ids

    (imdb_dir / "later.tsv.gz").rename(names)
    run_import(imdb_dir)
    jonze.refresh_from_db()
    assert (jonze.name, jonze.slug, jonze.birth_year) == ("Spike Jonze", "spike-jonze", 1969)
    assert Credit.objects.filter(person=jonze).count() == 2
    page = client.get(reverse("films:search"), {"q": "spike jonz"}).content.decode()
    assert 'href="/people/spike-jonze/"' in page


def test_duplicate_rows_in_one_batch_make_one_film(tmp_path):
    from films.models import Film

    rows = [BASICS[0], BASICS[1], BASICS[0]]
    write(tmp_path, "title.basics", BASICS_HEADER, rows)
    out, _err = run_import(tmp_path)
    assert Film.objects.filter(imdb_id="tt0000001").count() == 1
    title_row = next(line for line in out.splitlines() if line.startswith("title.basics"))
    assert title_row.split()[1:5] == ["3", "2", "0", "1"]


def test_numbering_goes_past_slugs_already_numbered_beyond_999(tmp_path):
    from films.models import Film

    taken = ["her", *(f"her-{n}" for n in range(2, 1000)), "her-1000", "her-1001"]
    Film.objects.bulk_create(Film(title="Her", slug=slug) for slug in taken)
    rows = [[f"tt000020{i}", "movie", "Her", "Her", "0", N, N, N, N] for i in range(3)]
    write(tmp_path, "title.basics", BASICS_HEADER, rows)
    run_import(tmp_path)
    new = Film.objects.filter(imdb_id__isnull=False).values_list("slug", flat=True)
    assert sorted(new) == ["her-1002", "her-1003", "her-1004"]


def test_the_last_row_for_an_id_wins_in_names_and_ratings(tmp_path):
    """A person or a rating listed twice in one file: the later line is the one kept, on
    both databases (one row per id on PostgreSQL, line order on SQLite)."""
    from films.models import Film, Person

    write(tmp_path, "title.basics", BASICS_HEADER, BASICS[:1])
    write(
        tmp_path,
        "title.ratings",
        RATINGS_HEADER,
        [["tt0000001", "8.0", "100"], ["tt0000001", "8.1", "250"]],
    )
    write(tmp_path, "title.principals", PRINCIPALS_HEADER, PRINCIPALS[:1])
    write(
        tmp_path,
        "name.basics",
        NAMES_HEADER,
        [
            ["nm0000001", "Joaquin Rafael Bottom", "1974", N, "actor", N],
            ["nm0000001", "Joaquin Phoenix", "1974", N, "actor", "tt0000001"],
        ],
    )
    run_import(tmp_path)
    assert Film.objects.get(imdb_id="tt0000001").imdb_votes == 250
    assert Person.objects.get(imdb_id="nm0000001").name == "Joaquin Phoenix"


def _count_credit_trigger_calls():
    """A trigger (rolled back with the test) that counts rows inserted into films_credit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE credit_trigger_calls (n integer)")
        cursor.execute(
            "CREATE FUNCTION pg_temp.count_credit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO credit_trigger_calls VALUES (1); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER count_credit AFTER INSERT ON films_credit "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.count_credit()"
        )

    def calls():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM credit_trigger_calls")
            return cursor.fetchone()[0]

    return calls


def _session_replication_role():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def test_postgresql_import_skips_per_row_triggers_then_restores_them(imdb_dir):
    """On PostgreSQL a role that may (a superuser here) imports with the session's triggers
    off, foreign key checks included, the way SQLite imports with foreign_keys OFF; the
    session gets its triggers back afterwards."""
    from django.db import connection

    from films.models import Credit, Film, Person

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    calls = _count_credit_trigger_calls()
    run_import(imdb_dir)
    assert Credit.objects.count() > 0
    assert calls() == 0
    assert _session_replication_role() == "origin"
    Credit.objects.create(
        film=Film.objects.get(imdb_id="tt0000005"),
        person=Person.objects.get(imdb_id="nm0000007"),
        role="cast",
        character="Cameo",
    )
    assert calls() == 1


def test_postgresql_import_without_the_privilege_keeps_the_checks(imdb_dir):
    """A role that may not switch triggers off (no superuser, no grant) imports the same
    catalog with every check in place, and nothing of the refused setting is left over."""
    from django.db import connection

    from films.models import Credit

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    calls = _count_credit_trigger_calls()
    with connection.cursor() as cursor:
        # All of it is rolled back with the test's transaction.
        cursor.execute("CREATE ROLE marquee_import_plain NOSUPERUSER")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO marquee_import_plain")
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO marquee_import_plain")
        cursor.execute("GRANT ALL ON credit_trigger_calls TO marquee_import_plain")
        cursor.execute("SET ROLE marquee_import_plain")
    try:
        run_import(imdb_dir)
        assert _session_replication_role() == "origin"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    credits = Credit.objects.count()
    assert credits > 0
    assert calls() == credits


def test_cached_anonymous_pages_show_what_an_import_wrote(client, imdb_dir, tmp_path):
    """The importer writes with SQL, not through models, so no save signal moves the
    content version: it moves it itself, and a visitor's cached catalog, film and search
    pages show the import at once."""
    from films.models import Film

    catalog = reverse("films:list")
    client.get(catalog)  # cached empty
    assert "Jurassic Park" not in client.get(catalog).content.decode()
    run_import(imdb_dir)
    assert "Jurassic Park" in client.get(catalog).content.decode()

    film_url = Film.objects.get(imdb_id="tt0000002").get_absolute_url()
    assert "Parque Jurásico" in client.get(film_url).content.decode()
    again = tmp_path / "again"
    again.mkdir()
    write(
        again,
        "title.basics",
        BASICS_HEADER,
        [["tt0000002", *BASICS[1][1:2], "Jurassic Park Redux", *BASICS[1][3:]]],
    )
    run_import(again)
    assert "Jurassic Park Redux" in client.get(film_url).content.decode()
