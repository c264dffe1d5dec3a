"""Write synthetic IMDb-format dataset files of any size (same names, columns, \\N nulls,
comma arrays and JSON character lists as IMDb's non-commercial datasets).

    python bench/imdb_gen.py OUT_DIR --titles 100000 [--gzip] [--seed 1]

About 85% of titles are non-adult movies; each movie gets ~3 akas in several languages,
~6 principals (cast, director, writer, and a producer that the importer skips), a crew
row and a rating. People come from a pool about as large as the number of titles.
"""

import argparse
import gzip
import json
import random
from pathlib import Path

WORDS = (
    "love night dark knight city river house dream star war shadow summer winter blood "
    "ghost king queen island road last first little big secret lost return rise fall "
    "heart fire ice storm sun moon wild man woman girl boy story time world life death "
    "journey garden mirror silence echo paper glass iron golden silver velvet midnight "
    "ocean desert mountain forest train hotel station letter promise memory stranger "
    "amélie café señor niño über ça façade naïve jalapeño crème brûlée"
).split()
GENRES = (
    "Drama Comedy Action Thriller Romance Horror Documentary Crime Adventure Family "
    "Fantasy Mystery Sci-Fi Animation Biography History Music War Western Sport"
).split()
REGIONS = [
    ("ES", "es"),
    ("MX", "es"),
    ("FR", "fr"),
    ("DE", "de"),
    ("IT", "it"),
    ("JP", "ja"),
    ("BR", "pt"),
    ("US", "\\N"),
    ("GB", "\\N"),
    ("XWW", "en"),
]
FIRST = (
    "Ana Ben Chloé Dmitri Eva Farid Greta Hiro Inès Jonas Kwame Lea Marta Nils Olu Priya".split()
)
SYLLABLES = "ka lo mi ra sen tu vo ber an el is dor fa gu hil jo ne pe qui ry".split()
LAST = "Almodóvar Becker Costa Dubois Eriksen Fischer García Haddad Ito Jensen Kowalski".split()


def title_for(rng):
    n = rng.choice((1, 2, 2, 3, 3, 4))
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.4:
        words.insert(0, "The")
    if rng.random() < 0.1:
        words.append(str(rng.randint(2, 4)))
    return " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(words))


def open_out(path, use_gzip):
    if use_gzip:
        return gzip.open(str(path) + ".gz", "wt", encoding="utf-8", compresslevel=1, newline="")
    return open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115


def generate(out, titles, use_gzip=False, seed=1):
    rng = random.Random(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    people = max(10, titles)
    files = {
        name: open_out(out / f"{name}.tsv", use_gzip)
        for name in (
            "title.basics",
            "title.akas",
            "title.principals",
            "title.crew",
            "name.basics",
            "title.ratings",
        )
    }
    f = files
    f["title.basics"].write(
        "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\t"
        "runtimeMinutes\tgenres\n"
    )
    f["title.akas"].write(
        "titleId\tordering\ttitle\tregion\tlanguage\ttypes\tattributes\tisOriginalTitle\n"
    )
    f["title.principals"].write("tconst\tordering\tnconst\tcategory\tjob\tcharacters\n")
    f["title.crew"].write("tconst\tdirectors\twriters\n")
    f["name.basics"].write(
        "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles\n"
    )
    f["title.ratings"].write("tconst\taverageRating\tnumVotes\n")
    for i in range(1, titles + 1):
        tconst = f"tt{i:07d}"
        kind = rng.choices(("movie", "short", "tvSeries", "tvEpisode"), (85, 5, 5, 5))[0]
        adult = "1" if rng.random() < 0.02 else "0"
        title = title_for(rng)
        original = title if rng.random() < 0.8 else title_for(rng)
        year = rng.randint(1920, 2025)
        runtime = str(rng.randint(60, 200)) if rng.random() < 0.9 else "\\N"
        genres = ",".join(rng.sample(GENRES, rng.randint(1, 3)))
        f["title.basics"].write(
            f"{tconst}\t{kind}\t{title}\t{original}\t{adult}\t{year}\t\\N\t{runtime}\t{genres}\n"
        )
        f["title.akas"].write(f"{tconst}\t1\t{original}\t\\N\t\\N\toriginal\t\\N\t1\n")
        for ordering in range(2, 2 + rng.randint(1, 4)):
            region, language = rng.choice(REGIONS)
            aka = title_for(rng) if rng.random() < 0.6 else title
            f["title.akas"].write(
                f"{tconst}\t{ordering}\t{aka}\t{region}\t{language}\timdbDisplay\t\\N\t0\n"
            )
        cast = [f"nm{rng.randint(1, people):07d}" for _ in range(rng.randint(2, 4))]
        director = f"nm{rng.randint(1, people):07d}"
        writer = f"nm{rng.randint(1, people):07d}"
        ordering = 1
        for nconst in cast:
            character = json.dumps([rng.choice(FIRST)], ensure_ascii=False)
            f["title.principals"].write(
                f"{tconst}\t{ordering}\t{nconst}\tactor\t\\N\t{character}\n"
            )
            ordering += 1
        f["title.principals"].write(f"{tconst}\t{ordering}\t{director}\tdirector\t\\N\t\\N\n")
        f["title.principals"].write(
            f"{tconst}\t{ordering + 1}\tnm{rng.randint(1, people):07d}\tproducer\tproducer\t\\N\n"
        )
        f["title.crew"].write(f"{tconst}\t{director}\t{writer}\n")
        if rng.random() < 0.9:
            f["title.ratings"].write(
                f"{tconst}\t{rng.randint(10, 99) / 10}\t{int(rng.paretovariate(1.2) * 20)}\n"
            )
    for i in range(1, people + 1):
        # Mostly distinct names, with the common duplicates real credits have.
        last = (
            rng.choice(LAST)
            if rng.random() < 0.2
            else "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        )
        name = f"{rng.choice(FIRST)} {last}"
        birth = rng.randint(1900, 2005) if rng.random() < 0.7 else "\\N"
        f["name.basics"].write(f"nm{i:07d}\t{name}\t{birth}\t\\N\tactor\t\\N\n")
    for handle in files.values():
        handle.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--titles", type=int, default=1000)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.titles, use_gzip=args.gzip, seed=args.seed)


if __name__ == "__main__":
    main()
