"""Every payload of tests/corpus/xss.txt, typed into every text a member controls, renders
as text everywhere it shows (issue 6: hostile input).

Each payload goes in through the site's own forms, as a member would type it: review
headline and body, reply, display name, bio, website, report note, search query, the
username and e-mail address at sign-up, and a Letterboxd CSV import. Then every page, feed
and e-mail that shows it is read back as a browser would parse it, and nothing in it may
have come alive: no script (but JSON-LD data that parses and can't close its element), no
event handler, no link or source with a scheme other than http(s), mailto or none, no
frame, object, embed, MathML or foreign SVG, no style from member text. Feeds must parse
as XML with the payload as text; their HTML summaries pass the same checks.

The corpus is tried in chunks of ten: one world per chunk (a member, review, reply, report
and import per payload), then each page is read once.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from films.models import SearchQuery
from reviews.models import Reply, Report, Review

from . import corpus
from .helpers import form_errors

CORPUS = corpus.load("xss.txt")
CHUNK = 10
CHUNKS = [CORPUS[i : i + CHUNK] for i in range(0, len(CORPUS), CHUNK)]
HOST = "testserver"


def test_the_corpus_is_big_and_varied():
    assert len(CORPUS) >= 50
    assert len(set(CORPUS)) == len(CORPUS), "duplicate payloads"
    joined = "\n".join(CORPUS)
    for needle in ("<script", "onerror", "javascript:", "<svg", "<math", "\x00", "\u202e", "{{"):
        assert needle in joined, f"the corpus has no {needle!r}"


# --- what a browser would make of a page ----------------------------------------------

# Elements the site never writes, so any on a page came from member text.
FOREIGN_ELEMENTS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "param", "base", "math",
    "mglyph", "mtext", "mi", "mo", "animate", "animatemotion", "animatetransform", "set",
    "foreignobject", "image", "portal", "xmp", "plaintext", "listing", "noscript",
    "template", "marquee", "video", "audio", "source", "track", "style", "isindex", "keygen",
    "bgsound", "layer", "ilayer", "xml", "import",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data",
    "codebase", "cite", "longdesc", "ping", "manifest", "lowsrc", "dynsrc", "icon", "profile",
}  # fmt: skip
# Attributes whose value is only ever text to a browser.
TEXT_ATTRIBUTES = {"value", "title", "alt", "placeholder", "content", "label", "summary", "abbr"}
SAFE_SCHEMES = {"http", "https", "mailto"}
_CONTROLS_AND_SPACE = "".join(chr(c) for c in range(0x21))
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _url_scheme(value):
    """The scheme a browser would see: leading/trailing controls and spaces dropped, tabs
    and line breaks anywhere removed."""
    squashed = re.sub(r"[\t\n\r]", "", value).strip(_CONTROLS_AND_SPACE)
    match = _SCHEME.match(squashed)
    return (match.group(1).lower() if match else ""), squashed


def _foreign_host(url):
    """True if `url` points at another site (absolute or protocol-relative)."""
    _scheme, squashed = _url_scheme(url)
    host = urlsplit(squashed.replace("\\", "/")).hostname
    return bool(host) and host != HOST


class _PageReader(HTMLParser):
    def __init__(self, *, site=True):
        super().__init__(convert_charrefs=True)
        self.site = site
        self.problems = []
        self.text = []
        self.json_ld = []
        self._script = None
        self._svg_depth = 0

    def _flag(self, message):
        self.problems.append(message)

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        shown = f"<{tag} {' '.join(f'{n}={v!r}' for n, v in attrs)}>"[:200]
        values = dict(attrs)
        if tag in FOREIGN_ELEMENTS:
            self._flag(f"element the site never writes: {shown}")
        for name, value in attrs:
            if name.startswith("on"):
                self._flag(f"event handler: {shown}")
            if name in URL_ATTRIBUTES or name == "srcset":
                urls = [part.strip().split(" ")[0] for part in value.split(",")]
                for url in urls if name == "srcset" else [value]:
                    scheme, _ = _url_scheme(url)
                    if scheme and scheme not in SAFE_SCHEMES:
                        self._flag(f"{scheme}: URL in {name}: {shown}")
            if name == "style":
                # The site has none (its CSP would block them): one came from member text.
                self._flag(f"inline style: {shown}")
            inert = name in TEXT_ATTRIBUTES or name.startswith(("aria-", "data-"))
            if not inert and re.search(r"(java|vb)script\s*:", value, re.I):
                self._flag(f"script URL in {name}: {shown}")
        if tag == "script":
            kind = values.get("type", "").lower()
            if kind == "application/ld+json":
                self._script = ["json", ""]
            else:
                src = values.get("src", "")
                if (
                    not src
                    or _foreign_host(src)
                    or _url_scheme(src)[0] not in ("", "http", "https")
                ):
                    self._flag(f"script that isn't the site's own: {shown}")
                self._script = ["js", ""]
        if tag in ("img", "link") or (tag == "form" and "action" in values):
            url = values.get("src") if tag == "img" else values.get("href", values.get("action"))
            if url and _foreign_host(url):
                self._flag(f"{tag} pointing at another site: {shown}")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self._flag(f"refresh: {shown}")
        if tag in ("button", "input") and "formaction" in values:
            self._flag(f"formaction: {shown}")
        if (
            self.site
            and tag == "a"
            and (urlsplit(values.get("href", "")).hostname or "").endswith(".example")
        ):
            rel = values.get("rel", "").split()
            if not {"nofollow", "ugc", "noopener"} <= set(rel):
                self._flag(f"member's link without rel=nofollow ugc noopener: {shown}")
        if tag == "svg":
            # The site's (and the admin's) drawings say what they are; a bare <svg> doesn't.
            if self._svg_depth == 0 and not (
                values.get("role") == "img"
                or values.get("aria-hidden") == "true"
                or values.get("class")
            ):
                self._flag(f"svg that isn't the site's own: {shown}")
            self._svg_depth += 1
        if tag == "use" and not values.get("xlink:href", values.get("href", "#")).startswith("#"):
            self._flag(f"svg <use> of another document: {shown}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self._svg_depth -= 1
        if tag == "script":
            self._end_script()

    def handle_endtag(self, tag):
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        if tag == "script":
            self._end_script()

    def _end_script(self):
        if self._script is None:
            return
        kind, content = self._script
        self._script = None
        if kind == "js":
            if content.strip():
                self._flag(f"inline script: {content[:120]!r}")
            return
        if "<" in content:
            self._flag(f"JSON-LD with a raw '<' (could close its element): {content[:200]!r}")
        try:
            self.json_ld.append(json.loads(content))
        except ValueError:
            self._flag(f"JSON-LD that isn't JSON: {content[:200]!r}")

    def handle_data(self, data):
        if self._script is not None:
            self._script[1] += data
        else:
            self.text.append(data)

    def handle_comment(self, data):
        # The admin's templates have comments like "<!-- END Header -->"; markup in one
        # would mean member text opened it.
        if re.search(r"[<>=]|script", data, re.I):
            self._flag(f"HTML comment with markup: {data[:120]!r}")

    def unknown_decl(self, data):
        self._flag(f"markup declaration on the page: {data[:120]!r}")


def read_page(html, *, site=True):
    """(problems, visible text, JSON-LD objects) of an HTML document or fragment; `site`:
    a page of the site (not the admin), where members' links must carry rel="nofollow"."""
    reader = _PageReader(site=site)
    reader.feed(html)
    reader.close()
    text = " ".join(" ".join(reader.text).split())
    return reader.problems, text, reader.json_ld


def collapse(text):
    return " ".join(text.split())


class Inspector:
    """Reads pages and feeds, collecting every problem instead of stopping at the first."""

    def __init__(self):
        self.problems = []
        self.pages = 0

    def page(self, client, url, *, expect=200):
        response = client.get(url)
        self.pages += 1
        if response.status_code != expect:
            self.problems.append(f"{url}: answered {response.status_code}, not {expect}")
            return "", []
        problems, text, json_ld = read_page(
            response.content.decode(), site=not url.startswith("/admin/")
        )
        self.problems.extend(f"{url}: {p}" for p in problems)
        return text, json_ld

    def feed(self, client, url):
        response = client.get(url)
        self.pages += 1
        if response.status_code != 200:
            self.problems.append(f"{url}: answered {response.status_code}")
            return None
        try:
            root = ET.fromstring(response.content)  # noqa: S314 - our own response
        except ET.ParseError as exc:
            self.problems.append(f"{url}: not well-formed XML ({exc})")
            return None
        ns = "{http://www.w3.org/2005/Atom}"
        for element in root.iter():
            if not element.tag.startswith(ns):
                self.problems.append(f"{url}: element from outside Atom: {element.tag}")
            name = element.tag.removeprefix(ns)
            if name in ("title", "subtitle", "name", "summary", "content") and len(element):
                self.problems.append(f"{url}: <{name}> holds elements, not text")
            if name in ("title", "subtitle", "name") and element.get("type") not in (None, "text"):
                self.problems.append(f"{url}: <{name} type={element.get('type')}>")
            if name in ("summary", "content") and element.get("type") == "html":
                problems, _text, _ld = read_page(element.text or "")
                self.problems.extend(f"{url} <{name}>: {p}" for p in problems)
            if name == "link":
                scheme, _ = _url_scheme(element.get("href", ""))
                if scheme not in ("http", "https"):
                    self.problems.append(f"{url}: link {element.get('href')!r}")
        return root

    def expect_text(self, where, haystack, needle):
        if needle and collapse(needle) not in haystack:
            self.problems.append(f"{where}: {needle[:60]!r} is not shown as text")


# --- building one chunk's world through the site's forms ------------------------------


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Date", "Name", "Year", "Letterboxd URI", "Rating", "Review"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _form_refused(response, fields, where, problems):
    """A refusal must be the form again, with an error a person can read."""
    errors = form_errors(response)
    if response.status_code != 200 or not errors:
        problems.append(f"{where}: answered {response.status_code} without a form error")
    elif not set(errors) <= set(fields):
        problems.append(f"{where}: unexpected errors {errors}")
    elif not any(escape(str(m)) in response.content.decode() for ms in errors.values() for m in ms):
        problems.append(f"{where}: the error {errors} isn't on the page")


@pytest.fixture
def world_for(db, make_film, make_user, settings):
    # Sign-ups come ten a minute from one address here; allauth's limits are tested elsewhere.
    settings.ACCOUNT_RATE_LIMITS = False

    def build(chunk_index, payloads):
        problems = []
        films = [
            make_film(title="Script Alert", year=2001),
            make_film(title="Click Here", year=2002),
        ]
        members, clients, reviews = [], [], []
        for i, payload in enumerate(payloads):
            member = make_user(username=f"c{chunk_index}m{i}")
            browser = Client(REMOTE_ADDR=f"10.9.{chunk_index}.{i + 1}")
            browser.force_login(member)
            members.append(member)
            clients.append(browser)

            profile = {"display_name": payload[:80], "bio": payload, "website": payload}
            response = browser.post(reverse("accounts:edit_profile"), profile)
            if response.status_code != 302:
                _form_refused(response, {"website"}, f"profile of payload {i}", problems)
                profile["website"] = ""
                response = browser.post(reverse("accounts:edit_profile"), profile)
            if response.status_code != 302:
                problems.append(f"profile of payload {i}: not saved ({form_errors(response)})")
            member.refresh_from_db()
            if member.website and not member.website.startswith(("http://", "https://")):
                problems.append(f"website kept as {member.website!r}")

            response = browser.post(
                reverse("reviews:write", args=[films[0].slug]),
                {"rating": "7", "headline": payload[:140], "body": payload},
            )
            if response.status_code != 302:
                problems.append(f"review {i}: not saved ({form_errors(response)})")
            reviews.append(Review.objects.filter(author=member, film=films[0]).first())

            response = browser.post(
                reverse("accounts:import"),
                {
                    "file": SimpleUploadedFile(
                        "reviews.csv",
                        _csv(
                            [
                                ["2024-01-01", "Click Here", "2002", "", "3.5", payload],
                                ["2024-01-02", payload, "1999", "", "2", ""],
                            ]
                        ),
                        content_type="text/csv",
                    )
                },
            )
            if "\x00" in payload:  # read as a binary file: a clean form error
                _form_refused(response, {"file"}, f"import {i}", problems)
            elif response.status_code != 200:
                problems.append(f"import {i}: answered {response.status_code}")
            else:
                page_problems, text, _ld = read_page(response.content.decode())
                problems.extend(f"import result {i}: {p}" for p in page_problems)
                if "Import finished" not in text:
                    problems.append(f"import {i}: {form_errors(response)}")
        if any(r is None for r in reviews):
            pytest.fail("\n".join(problems))

        for i, (payload, review) in enumerate(zip(payloads, reviews, strict=True)):
            neighbour = clients[(i + 1) % len(clients)]
            response = neighbour.post(review.get_absolute_url(), {"body": payload})
            if response.status_code != 302:
                problems.append(f"reply {i}: not saved ({form_errors(response)})")
            response = neighbour.post(
                reverse("reviews:report", args=[review.pk]), {"reason": "other", "note": payload}
            )
            if response.status_code != 302:
                problems.append(f"report {i}: not saved ({form_errors(response)})")
        return {
            "films": films,
            "members": members,
            "clients": clients,
            "reviews": reviews,
        }, problems

    return build


def _signups(chunk_index, payloads, inspector):
    """Payloads as usernames (refused: a clean form error) and inside e-mail addresses."""
    visitor = Client()
    for i, payload in enumerate(payloads):
        before = User.objects.count()
        response = visitor.post(
            reverse("account_signup"),
            {
                "username": payload[:150],
                "email": f"u{chunk_index}x{i}@example.com",
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
            },
        )
        if response.status_code == 302:
            user = User.objects.get(email=f"u{chunk_index}x{i}@example.com")
            if not re.fullmatch(r"[A-Za-z0-9_-]+", user.username):
                inspector.problems.append(f"username kept as {user.username!r}")
            visitor = Client()
        else:
            _form_refused(response, {"username"}, f"username {i}", inspector.problems)
            if User.objects.count() != before:
                inspector.problems.append(f"username {i}: refused, yet a user was created")
            problems, _text, _ld = read_page(response.content.decode())
            inspector.problems.extend(f"sign-up form {i}: {p}" for p in problems)
        # A quoted local part may hold almost any printable ASCII but spaces, quotes and
        # backslashes: the address is shown to its owner and staff, and e-mails go to it.
        if not re.fullmatch(r"[!#-\[\]-~]+", payload[:60]):
            continue
        response = visitor.post(
            reverse("account_signup"),
            {
                "username": f"e{chunk_index}x{i}",
                "email": f'"{payload[:60]}"@example.com',
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
            },
        )
        if response.status_code == 302:
            visitor = Client()
        else:
            _form_refused(response, {"email"}, f"e-mail {i}", inspector.problems)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "chunk_index",
    range(len(CHUNKS)),
    ids=[f"payloads-{i * CHUNK + 1}-{i * CHUNK + len(c)}" for i, c in enumerate(CHUNKS)],
)
def test_member_text_never_renders_live(chunk_index, world_for, staff_user):
    payloads = CHUNKS[chunk_index]
    mail.outbox.clear()
    world, problems = world_for(chunk_index, payloads)
    inspector = Inspector()
    inspector.problems.extend(problems)
    films, members, clients, reviews = (
        world["films"],
        world["members"],
        world["clients"],
        world["reviews"],
    )
    _signups(chunk_index, payloads, inspector)
    assert Reply.objects.count() == len(payloads) and Report.objects.count() == len(payloads)

    visitor = Client()
    # Searches: the query is echoed on the results page and may join "Recently searched".
    for payload in payloads:
        # A NUL byte in a query string is answered 400 before any view (core.middleware).
        inspector.page(
            visitor,
            f"{reverse('films:search')}?{_query(payload)}",
            expect=400 if "\x00" in payload else 200,
        )

    text, _ld = inspector.page(visitor, reverse("home"))
    for query in SearchQuery.objects.recent().values_list("query", flat=True):
        inspector.expect_text("recently searched on the home page", text, query)
    for url in (
        reverse("films:list"),
        films[0].get_absolute_url(),
        films[0].get_absolute_url() + "?sort=top",
        films[1].get_absolute_url(),
        reverse("films:search"),
    ):
        inspector.page(visitor, url)

    for i, (member, review) in enumerate(zip(members, reviews, strict=True)):
        member.refresh_from_db()
        review.refresh_from_db()
        text, json_ld = inspector.page(visitor, review.get_absolute_url())
        inspector.expect_text(f"review {i}", text, review.headline)
        inspector.expect_text(f"review {i}", text, member.display_name)
        data = [d for d in json_ld if d.get("@type") == "Review"]
        if not data or data[0].get("name", "") != review.headline:
            inspector.problems.append(f"review {i}: JSON-LD name is not the headline as typed")
        elif data[0]["author"]["name"] != member.public_name:
            inspector.problems.append(f"review {i}: JSON-LD author is not the display name")

        text, _ld = inspector.page(visitor, member.get_absolute_url())
        inspector.expect_text(f"profile {i}", text, member.display_name)
        inspector.expect_text(f"profile {i}", text, member.bio)

        feed = inspector.feed(visitor, reverse("reviews:member_feed", args=[member.username]))
        if feed is not None:
            titles = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
            if review.headline and not any(review.headline in t for t in titles):
                inspector.problems.append(f"member feed {i}: the headline isn't in a title")

        # The owner's own forms show the text back inside inputs and textareas.
        owner = clients[i]
        inspector.page(owner, reverse("reviews:edit", args=[review.pk]))
        inspector.page(owner, reverse("accounts:edit_profile"))

    reader = clients[0]  # a member sees forms (their own review's, prefilled) and buttons
    for url in (
        reverse("home"),
        films[0].get_absolute_url(),
        reviews[-1].get_absolute_url(),
        films[1].get_absolute_url(),
    ):
        inspector.page(reader, url)
    inspector.page(reader, reverse("reviews:report", args=[reviews[-1].pk]))

    for url in (
        reverse("reviews:feed"),
        reverse("reviews:film_feed", args=[films[0].slug]),
        reverse("reviews:film_feed", args=[films[1].slug]),
    ):
        inspector.feed(visitor, url)

    staff = Client()
    staff.force_login(staff_user)
    for url in (
        reverse("admin:reviews_review_changelist"),
        reverse("admin:reviews_reply_changelist"),
        reverse("admin:reviews_report_changelist"),
        reverse("admin:reviews_report_queue"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:films_searchquery_changelist"),
        reverse("admin:reviews_reply_change", args=[Reply.objects.first().pk]),
        reverse("admin:reviews_report_change", args=[Report.objects.first().pk]),
    ):
        inspector.page(staff, url)
    for member, review in zip(members, reviews, strict=True):
        inspector.page(staff, reverse("admin:reviews_review_change", args=[review.pk]))
        inspector.page(staff, reverse("admin:accounts_user_change", args=[member.pk]))

    # E-mails: a password reset names the username; sign-up confirmations go to the
    # quoted addresses. All are plain text; an HTML part, if any, must be inert too.
    for member in members[:3]:
        visitor.post(reverse("account_reset_password"), {"email": member.email})
    for message in mail.outbox:
        message.message().as_bytes()  # headers that can't be written would raise here
        if message.content_subtype != "plain":
            inspector.problems.append(f"e-mail {message.subject!r} is not plain text")
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                problems, _text, _ld = read_page(content)
                inspector.problems.extend(f"e-mail {message.subject!r}: {p}" for p in problems)
    resets = [m for m in mail.outbox if members[0].email in m.to]
    if not resets or members[0].username not in resets[0].body:
        inspector.problems.append("the password reset e-mail doesn't name the username")

    assert inspector.pages > 10 * len(payloads)
    assert not inspector.problems, "\n".join(inspector.problems[:60])


def _query(text):
    from urllib.parse import urlencode

    return urlencode({"q": text})


def test_the_checker_catches_live_markup():
    """The checks above would see each way text can come alive."""
    live = [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href=" java&#x09;script:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<iframe src="https://evil.example/"></iframe>',
        "<svg><circle r=1 /></svg>",
        '<math href="javascript:alert(1)">x</math>',
        '<div style="background:url(https://evil.example/)">x</div>',
        '<img src="https://evil.example/pixel.png">',
        '<script type="application/ld+json">{"a": "</b>"}</script>',
        '<script type="application/ld+json">{not json}</script>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<form action="https://evil.example/"><button>go</button></form>',
        '<a href="https://evil.example/">no rel</a>',
        "<!-- <script>alert(1)</script> -->",
        "<style>body{}</style>",
    ]
    for html in live:
        problems, _text, _ld = read_page(html)
        assert problems, f"the checker misses {html}"
    problems, text, json_ld = read_page(
        '<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="https://ok.example/" '
        'rel="nofollow ugc noopener">x</a> <a href="/films/">y</a></p>'
        '<svg role="img" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'
        '<script type="application/ld+json">{"name": "\\u003C/script\\u003E"}</script>'
        '<script src="/static/js/site.js"></script>'
    )
    assert problems == []
    assert "<script>alert(1)</script>" in text
    assert json_ld == [{"name": "</script>"}]


@pytest.mark.django_db
def test_feeds_survive_control_characters_kept_before_forms_dropped_them(
    client, film, user, make_review
):
    """Forms drop control characters now; text kept earlier (or typed in the admin) may
    still hold some, and XML can't carry them: the feeds leave them out, not fall over."""
    make_review(film=film, author=user, headline="bell\x07 title", body="vertical\x0btab \x1b[31m")
    User.objects.filter(pk=user.pk).update(display_name="Ali\x08ce")
    inspector = Inspector()
    for url in (
        reverse("reviews:feed"),
        reverse("reviews:film_feed", args=[film.slug]),
        reverse("reviews:member_feed", args=[user.username]),
    ):
        root = inspector.feed(client, url)
        assert root is not None, inspector.problems
        text = ET.tostring(root, encoding="unicode")
        assert "bell title" in text and "Alice" in text and "verticaltab" in text
    assert not inspector.problems, inspector.problems
