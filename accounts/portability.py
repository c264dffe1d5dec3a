"""Taking your data with you: Letterboxd-compatible CSV export and import, plus a JSON dump.

Export writes Letterboxd's `reviews.csv` and `ratings.csv` columns (ratings in 0.5-5 steps,
the URI pointing at Marquee) and `marquee.json` with everything the member wrote.

Import reads a Letterboxd export zip or one of its CSV files, matches films by name and
year (also through original and alternative titles, and through Marquee URIs), and writes
matched rows through Review.objects.save_for in one transaction, so film statistics stay
exact and a file that turns out to be malformed changes nothing.
"""

import csv
import io
import json
import math
import re
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from core.markup import clean_text
from films.models import AlternativeTitle, Film
from reviews.models import Like, Reply, Report, Review

REVIEWS_COLUMNS = [
    "Date",
    "Name",
    "Year",
    "Letterboxd URI",
    "Rating",
    "Rewatch",
    "Review",
    "Tags",
    "Watched Date",
]
RATINGS_COLUMNS = ["Date", "Name", "Year", "Letterboxd URI", "Rating"]
UNMATCHED_COLUMNS = [*REVIEWS_COLUMNS, "Problem"]

MAX_IMPORT_BYTES = 10 * 1024 * 1024  # per CSV, after unzipping: a guard against zip bombs
MAX_IMPORT_ROWS = 20_000
MAX_UNMATCHED_ROWS = 5_000


# --- Export ------------------------------------------------------------------------------


def _stars(rating):
    return f"{rating / 2:g}"


def _csv_text(columns, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def export_zip(user, build_absolute_uri):
    """The bytes of a zip with reviews.csv, ratings.csv and marquee.json for `user`."""
    reviews = list(
        Review.objects.filter(author=user).select_related("film").order_by("created", "pk")
    )
    review_rows, rating_rows = [], []
    for review in reviews:
        film = review.film
        date = timezone.localdate(review.created).isoformat()
        uri = build_absolute_uri(film.get_absolute_url())
        year = film.year or ""
        rating_rows.append([date, film.title, year, uri, _stars(review.rating)])
        if review.body:
            review_rows.append(
                [date, film.title, year, uri, _stars(review.rating), "", review.body, "", date]
            )

    data = {
        "exported": timezone.now(),
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "bio": user.bio,
            "website": user.website,
            "avatar": build_absolute_uri(user.avatar.url) if user.avatar else "",
            "spoiler_safe": user.spoiler_safe,
            "date_joined": user.date_joined,
        },
        "reviews": [
            {
                "film": review.film.title,
                "year": review.film.year,
                "film_url": build_absolute_uri(review.film.get_absolute_url()),
                "url": build_absolute_uri(review.get_absolute_url()),
                "rating": review.rating,
                "stars": review.stars,
                "headline": review.headline,
                "body": review.body,
                "contains_spoilers": review.contains_spoilers,
                "status": review.status,
                "created": review.created,
                "edited": review.edited,
                "likes": review.like_count,
            }
            for review in reviews
        ],
        "replies": [
            {
                "review_url": build_absolute_uri(reply.review.get_absolute_url()),
                "film": reply.review.film.title,
                "body": reply.body,
                "status": reply.status,
                "created": reply.created,
            }
            for reply in Reply.objects.filter(author=user)
            .select_related("review__film")
            .order_by("created", "pk")
        ],
        "likes": [
            {
                "review_url": build_absolute_uri(like.review.get_absolute_url()),
                "film": like.review.film.title,
                "created": like.created,
            }
            for like in Like.objects.filter(user=user)
            .select_related("review__film")
            .order_by("created", "pk")
        ],
        "reports": [
            {
                "reason": report.reason,
                "note": report.note,
                "created": report.created,
                "resolved": report.resolved_at is not None,
            }
            for report in Report.objects.filter(reporter=user).order_by("created", "pk")
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("reviews.csv", _csv_text(REVIEWS_COLUMNS, review_rows))
        archive.writestr("ratings.csv", _csv_text(RATINGS_COLUMNS, rating_rows))
        archive.writestr(
            "marquee.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
    return buffer.getvalue()


# --- Import ------------------------------------------------------------------------------


class ImportError_(Exception):
    """The upload can't be read at all; the message says why, for the member."""


@dataclass
class Row:
    """One usable line of an uploaded CSV."""

    source: dict
    name: str
    year: int | None
    uri: str
    rating: int | None
    body: str | None  # None: the file has no Review column (ratings.csv)
    date: str
    line: int


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unmatched: list = field(default_factory=list)  # (Row, problem)

    @property
    def matched(self):
        return self.created + self.updated + self.unchanged

    def unmatched_csv(self):
        rows = []
        # Kept in the session until downloaded, so bounded.
        for row, problem in self.unmatched[:MAX_UNMATCHED_ROWS]:
            source = row.source
            rows.append([*(source.get(c, "") for c in REVIEWS_COLUMNS), problem])
        return _csv_text(UNMATCHED_COLUMNS, rows)


def _decode(data, filename):
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportError_(_("%(file)s is too large to import.") % {"file": filename})
    try:
        return data.decode("utf-8-sig")  # Letterboxd and Excel both may add a BOM
    except UnicodeDecodeError as exc:
        raise ImportError_(
            _("%(file)s is not a UTF-8 text file. Export it again as CSV (UTF-8).")
            % {"file": filename}
        ) from exc


def read_upload(upload):
    """[(filename, text)] of the CSV files to import from an uploaded zip or CSV."""
    name = (upload.name or "upload").rsplit("/", 1)[-1]
    data = upload.read(MAX_IMPORT_BYTES + 1)
    if zipfile.is_zipfile(io.BytesIO(data)):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = {
                info.filename.rsplit("/", 1)[-1].lower(): info
                for info in archive.infolist()
                if not info.is_dir()
            }
            wanted = [n for n in ("ratings.csv", "reviews.csv") if n in members]
            if not wanted:
                raise ImportError_(
                    _("The zip has no ratings.csv or reviews.csv. Upload Letterboxd's export zip.")
                )
            files = []
            for member_name in wanted:
                info = members[member_name]
                if info.file_size > MAX_IMPORT_BYTES:
                    raise ImportError_(
                        _("%(file)s is too large to import.") % {"file": member_name}
                    )
                with archive.open(info) as handle:
                    files.append(
                        (member_name, _decode(handle.read(MAX_IMPORT_BYTES + 1), member_name))
                    )
            return files
        except (
            zipfile.BadZipFile,
            RuntimeError,
            NotImplementedError,
            OSError,
            EOFError,
            zlib.error,
        ) as exc:
            raise ImportError_(_("The zip file is damaged or encrypted.")) from exc
    if b"\x00" in data[:4096]:
        raise ImportError_(_("That is not a CSV or zip file."))
    return [(name, _decode(data, name))]


def _parse_rating(value):
    """Stars as Letterboxd writes them ("4", "3.5") -> 1..10, None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        half_stars = float(value) * 2
    except ValueError as exc:
        raise ValueError(_("the rating %(value)r is not a number") % {"value": value}) from exc
    if not math.isfinite(half_stars) or half_stars != int(half_stars) or not 1 <= half_stars <= 10:
        raise ValueError(_("the rating %(value)r is not between 0.5 and 5") % {"value": value})
    return int(half_stars)


def parse_csv(filename, text):
    """(rows, problems) from one CSV's text; raises ImportError_ if it isn't one we know."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportError_(
            _("%(file)s is not a valid CSV file (%(error)s).") % {"file": filename, "error": exc}
        ) from exc
    reader.fieldnames = header
    if "Name" not in header or "Rating" not in header:
        raise ImportError_(
            _(
                "%(file)s doesn't look like a Letterboxd export: it needs at least the "
                "columns Name and Rating (it has: %(columns)s)."
            )
            % {"file": filename, "columns": ", ".join(header) or _("none")}
        )
    has_review = "Review" in header
    rows, problems = [], []
    try:
        for index, record in enumerate(reader, start=2):
            if index > MAX_IMPORT_ROWS + 1:
                raise ImportError_(
                    _("%(file)s has more than %(n)d rows; split it and import the parts.")
                    % {"file": filename, "n": MAX_IMPORT_ROWS}
                )
            if None in record:  # more cells than the header has columns
                raise ImportError_(
                    _("%(file)s line %(line)d has more cells than the header has columns.")
                    % {"file": filename, "line": reader.line_num}
                )
            # As a form would: no control characters (PostgreSQL refuses NUL, feeds the rest).
            source = {k: clean_text(v or "") for k, v in record.items()}
            if not any(v.strip() for v in source.values()):
                continue
            year_text = source.get("Year", "").strip()
            row = Row(
                source=source,
                name=source.get("Name", "").strip(),
                year=int(year_text) if year_text.isascii() and year_text.isdigit() else None,
                uri=source.get("Letterboxd URI", "").strip(),
                rating=None,
                body=source.get("Review", "").replace("\r\n", "\n").strip() if has_review else None,
                date=source.get("Date", "").strip(),
                line=index,
            )
            try:
                row.rating = _parse_rating(source.get("Rating"))
            except ValueError as exc:
                problems.append((row, str(exc)))
                continue
            if not row.name:
                problems.append((row, _("the film's name is empty")))
                continue
            if row.body and len(row.body) > settings.MAX_REVIEW_BODY_CHARS:
                problems.append(
                    (
                        row,
                        _("the review is longer than %(limit)s characters")
                        % {"limit": f"{settings.MAX_REVIEW_BODY_CHARS:,}"},
                    )
                )
                continue
            rows.append(row)
    except csv.Error as exc:
        raise ImportError_(
            _("%(file)s is not a valid CSV file near line %(line)d (%(error)s).")
            % {"file": filename, "line": reader.line_num, "error": exc}
        ) from exc
    return rows, problems


_MARQUEE_FILM = re.compile(r"^/films/(?P<slug>[-\w]+)/?$")


class FilmMatcher:
    """Finds the film a row means: by a Marquee URI, else by name (title, original title or
    alternative title, case-insensitive) and year. Two queries for the whole file."""

    def __init__(self, rows, host):
        self.host = host
        names = {row.name.lower() for row in rows}
        slugs = {s for s in (self._slug(row.uri) for row in rows) if s}
        self.by_slug = {
            f.slug: f for f in Film.objects.filter(slug__in=slugs).only("slug", "title", "year")
        }
        self.by_name = defaultdict(dict)
        films = (
            Film.objects.annotate(lt=Lower("title"), lo=Lower("original_title"))
            .filter(Q(lt__in=names) | Q(lo__in=names))
            .only("slug", "title", "original_title", "year")
        )
        for film in films:
            for title in (film.title, film.original_title):
                if title and title.lower() in names:
                    self.by_name[title.lower()][film.pk] = film
        for alt in (
            AlternativeTitle.objects.annotate(lt=Lower("title"))
            .filter(lt__in=names)
            .select_related("film")
            .only("title", "film__slug", "film__title", "film__year")
        ):
            self.by_name[alt.title.lower()][alt.film.pk] = alt.film

    def _slug(self, uri):
        if not uri:
            return None
        try:
            parts = urlsplit(uri)
        except ValueError:  # "http://[" and other addresses that can't be parsed
            return None
        if parts.netloc and parts.netloc.lower() != self.host.lower():
            return None
        match = _MARQUEE_FILM.match(parts.path)
        return match.group("slug") if match else None

    def match(self, row):
        """(film, None) or (None, problem)."""
        slug = self._slug(row.uri)
        if slug and slug in self.by_slug:
            return self.by_slug[slug], None
        candidates = list(self.by_name.get(row.name.lower(), {}).values())
        if not candidates:
            return None, _("no film with this name on Marquee")
        if row.year is not None:
            exact = [f for f in candidates if f.year == row.year]
            # Festival premieres and release years often differ by one.
            near = [f for f in candidates if f.year and abs(f.year - row.year) == 1]
            undated = [f for f in candidates if f.year is None]
            for group in (exact, near, undated):
                if len(group) == 1:
                    return group[0], None
                if len(group) > 1:
                    return None, _("several films match this name and year")
            return None, _("no film with this name from %(year)d") % {"year": row.year}
        if len(candidates) == 1:
            return candidates[0], None
        return None, _("several films have this name; add the year")


def import_files(user, files, host):
    """Import [(filename, text)] for `user`; all or nothing. Returns an ImportResult."""
    result = ImportResult()
    all_rows = []
    for filename, text in files:
        rows, problems = parse_csv(filename, text)
        all_rows.extend(rows)
        result.unmatched.extend(problems)
    matcher = FilmMatcher(all_rows, host)
    # Ratings before written reviews, then by date: a review's text lands on top of the
    # rating, and the latest entry for a film (a rewatch) wins.
    wanted = {}  # film pk -> [film, rating, body, row]
    for row in sorted(all_rows, key=lambda r: (r.body is not None, r.date, r.line)):
        film, problem = matcher.match(row)
        if film is None:
            result.unmatched.append((row, problem))
            continue
        entry = wanted.setdefault(film.pk, [film, None, None, row])
        if row.rating is not None:
            entry[1] = row.rating
        if row.body:
            entry[2] = row.body
        entry[3] = row
    existing = {r.film_id: r for r in Review.objects.filter(author=user, film_id__in=wanted)}
    with transaction.atomic():
        for film_pk, (film, rating, body, row) in wanted.items():
            current = existing.get(film_pk)
            if rating is None and current is None:
                result.unmatched.append((row, _("no rating given; Marquee needs one")))
                continue
            fields = {
                "rating": rating if rating is not None else current.rating,
                "headline": current.headline if current else "",
                "body": body if body is not None else (current.body if current else ""),
                "contains_spoilers": current.contains_spoilers if current else False,
            }
            if current and all(getattr(current, k) == v for k, v in fields.items()):
                result.unchanged += 1
                continue
            _review, created = Review.objects.save_for(author=user, film=film, **fields)
            if created:
                result.created += 1
            else:
                result.updated += 1
    result.unmatched.sort(key=lambda item: item[0].line)
    return result
