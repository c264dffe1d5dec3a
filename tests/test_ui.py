"""Look and feel from the outside: likes without a reload, accessible markup, page weight.

The stylesheet and script are judged by what a browser receives: the like endpoint's JSON,
the skip link and deferred script in every page, markup that a strict Content-Security-Policy
(script-src and style-src 'self') lets through, star ratings that screen readers can read,
form errors tied to their fields, and what each main page costs to download.
"""

import gzip
import random
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import Context, Origin, Template
from django.urls import reverse

from films.models import Person
from reviews.models import Like, Reply

from .helpers import assert_login_redirect, parse_tags, text_of

JSON = {"Accept": "application/json"}


def like_url(review):
    return reverse("reviews:like", args=[review.pk])


@pytest.fixture
def review(film, user, make_review):
    return make_review(film=film, author=user, rating=7, headline="Quietly sad", body="Words.")


# --- Liking without a page reload -------------------------------------------------------


@pytest.mark.django_db
def test_like_answers_json_when_asked(login, review, other_user, make_users):
    for fan in make_users(2):
        review.set_liked(fan, True)
    c = login(other_user)
    response = c.post(like_url(review), {"action": "like"}, headers=JSON)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"liked": True, "count": 3}
    assert Like.objects.filter(review=review, user=other_user).exists()

    response = c.post(like_url(review), {"action": "unlike"}, headers=JSON)
    assert response.json() == {"liked": False, "count": 2}
    assert not Like.objects.filter(review=review, user=other_user).exists()
    review.refresh_from_db()
    assert review.like_count == 2


@pytest.mark.django_db
def test_json_like_is_idempotent_like_the_form(login, review, other_user):
    c = login(other_user)
    for _ in range(2):
        data = c.post(like_url(review), {"action": "like"}, headers=JSON).json()
    assert data == {"liked": True, "count": 1}


@pytest.mark.django_db
def test_anonymous_json_like_is_sent_to_log_in_and_changes_nothing(client, review):
    response = client.post(like_url(review), {"action": "like"}, headers=JSON)
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert_login_redirect(response)
    assert not Like.objects.exists()


@pytest.mark.django_db
def test_liking_your_own_review_by_json_is_refused(login, review, user):
    response = login(user).post(like_url(review), {"action": "like"}, headers=JSON)
    assert response.status_code == 403
    assert "liked" not in response.json()
    assert not Like.objects.exists()


@pytest.mark.django_db
def test_like_without_json_still_redirects_back(login, review, other_user, film):
    c = login(other_user)
    back = film.get_absolute_url() + f"#review-{review.pk}"
    response = c.post(like_url(review), {"action": "like", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert Like.objects.filter(review=review, user=other_user).exists()
    # The page it lands on shows the new state, with what the script needs to update it.
    page = text_of(c.get(film.get_absolute_url()))
    form = re.search(r'<form[^>]*class="[^"]*like-form[^"]*"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'aria-pressed="true"' in form and 'value="unlike"' in form
    assert "data-login-url=" in form and "csrfmiddlewaretoken" in form
    assert re.search(r'class="like-count"[^>]*data-one="1 like"[^>]*data-other="2 likes"', page)


# --- The page shell: skip link, deferred script, nothing inline -------------------------


@pytest.fixture
def pages(her, user, other_user, make_review, make_film):
    """URLs of the main pages, as a visitor and as a member, with content on each."""
    review = make_review(
        film=her,
        author=user,
        rating=9,
        headline="Lonely hearts",
        body="See [the trailer](https://example.org/trailer) and > a quote\n\n- a list",
    )
    Reply.objects.create(review=review, author=other_user, body="Agreed.")
    make_film(title="Another Film")
    anonymous = [
        reverse("home"),
        reverse("films:list"),
        her.get_absolute_url(),
        review.get_absolute_url(),
        reverse("accounts:profile", args=[user.username]),
        reverse("films:search") + "?q=her",
        Person.objects.get(name="Spike Jonze").get_absolute_url(),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/no/such/page/",
    ]
    member = [
        reverse("home"),
        her.get_absolute_url(),
        review.get_absolute_url(),
        reverse("reviews:write", args=[her.slug]),
        reverse("reviews:edit", args=[review.pk]),
        reverse("reviews:delete", args=[review.pk]),
        reverse("accounts:edit_profile"),
        reverse("accounts:profile", args=[user.username]),
    ]
    return {"anonymous": anonymous, "member": member, "user": user, "other": other_user}


def _get_all(client, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        yield url, text_of(response)


def _every_page(client_for, pages):
    yield from _get_all(client_for(), pages["anonymous"])
    yield from _get_all(client_for(pages["user"]), pages["member"])
    yield from _get_all(client_for(pages["other"]), pages["member"][:3])


FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}


@pytest.mark.django_db
def test_every_page_starts_with_a_skip_link_to_main(client_for, pages):
    for url, html in _every_page(client_for, pages):
        tags = parse_tags(html).tags
        body = next(i for i, (tag, _a) in enumerate(tags) if tag == "body")
        first = next(
            (tag, attrs)
            for tag, attrs in tags[body:]
            if tag in FOCUSABLE and attrs.get("type") != "hidden" or "tabindex" in attrs
        )
        assert first[0] == "a" and first[1].get("href") == "#main", (url, first)
        assert "skip-link" in first[1].get("class", "")
        mains = [attrs for tag, attrs in tags if tag == "main"]
        assert len(mains) == 1 and mains[0].get("id") == "main", url


@pytest.mark.django_db
def test_pages_load_the_script_deferred_and_nothing_inline(client_for, pages):
    for url, html in _every_page(client_for, pages):
        parsed = parse_tags(html)
        scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
        ours = [s for s in scripts if s.get("src", "").endswith("js/marquee.js")]
        assert len(ours) == 1 and "defer" in ours[0], (url, scripts)
        for attrs, text in zip(scripts, parsed.scripts, strict=True):
            if attrs.get("type") == "application/ld+json":
                continue
            assert attrs.get("src") and not text.strip(), (url, attrs, text[:80])
        for tag, attrs in parsed.tags:
            assert tag != "style", f"<style> block on {url}"
            assert "style" not in attrs, f"style= on <{tag}> on {url}"
            handlers = [name for name in attrs if name.startswith("on")]
            assert not handlers, f"inline handler {handlers} on <{tag}> on {url}"
            assert not attrs.get("href", "").lower().startswith("javascript:"), url


@pytest.mark.django_db
def test_every_page_holds_its_first_paint_until_it_is_parsed(client_for, pages):
    """rel=expect must stay in <head>: text there (say, a template comment that didn't
    parse) would open <body> early, and Chromium ignores the link in the body."""
    for url, html in _every_page(client_for, pages):
        head = html[html.index("<head>") : html.index("</head>")]
        expects = re.findall(r'<link rel="expect" href="#([\w-]+)" blocking="render">', head)
        assert expects == ["page-end"], url
        stray = re.sub(
            r"<title>.*?</title>|<script[^>]*>.*?</script>|<[^>]+>", "", head, flags=re.S
        )
        assert not stray.strip(), f"text in <head> of {url}: {stray.strip()[:80]}"
        body = html[: html.index("</body>")].rstrip()
        assert body.endswith('<div id="page-end" hidden></div>'), url


# --- Stars that screen readers can read ------------------------------------------------


def _render(source, **context):
    return Template("{% load marquee %}" + source).render(Context(context))


def test_stars_say_the_rating_in_words_and_hide_the_glyphs():
    html = _render("{% stars 7 %}")
    tags = parse_tags(html).tags
    hidden_text = re.search(r'<span class="visually-hidden">([^<]*)</span>', html).group(1)
    assert hidden_text == "Rated 3.5 out of 5"
    drawn = [attrs for tag, attrs in tags if "stars-track" in attrs.get("class", "")]
    assert drawn and all(a.get("aria-hidden") == "true" for a in drawn)
    # The picture is the half-star class; no text besides the label reaches the reader.
    assert "r7" in tags[0][1]["class"].split()
    assert re.sub(r"<[^>]+>", "", html).strip() == "Rated 3.5 out of 5"


@pytest.mark.parametrize(("rating", "words"), [(1, "0.5"), (2, "1"), (9, "4.5"), (10, "5")])
def test_every_half_star_has_its_words(rating, words):
    assert f"Rated {words} out of 5" in _render("{% stars r %}", r=rating)


def test_average_stars_read_the_average_and_handle_no_ratings():
    html = _render("{% average_stars 7.4 'small' %}")
    assert "Average rating 3.7 out of 5" in html
    assert "r7" in html and "small" in html
    assert "No ratings yet" in _render("{% average_stars None %}")


@pytest.mark.django_db
def test_review_cards_carry_the_accessible_rating(client, film, user, make_review):
    make_review(film=film, author=user, rating=9, body="Nearly perfect.")
    html = text_of(client.get(film.get_absolute_url()))
    assert '<span class="visually-hidden">Rated 4.5 out of 5</span>' in html
    assert "Average rating 4.5 out of 5" in html


# --- Form errors tied to their fields --------------------------------------------------


def _ids(html):
    return {attrs["id"] for _tag, attrs in parse_tags(html).tags if "id" in attrs}


def _element_text(html, element_id):
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(2)) if match else ""


def _described_errors(html, tag_name, name, message):
    """The control `name` is marked invalid and described by an element showing `message`."""
    controls = [
        attrs
        for tag, attrs in parse_tags(html).tags
        if tag == tag_name and attrs.get("name") == name
    ]
    assert controls, f"no <{tag_name} name={name}>"
    control = controls[0]
    assert control.get("aria-invalid") == "true", control
    described = control.get("aria-describedby", "").split()
    assert described, control
    ids = _ids(html)
    assert all(i in ids for i in described), (described, "point at elements that don't exist")
    assert any(message in _element_text(html, i) for i in described), (described, message)


@pytest.mark.django_db
def test_review_form_errors_are_tied_to_their_fields(login, user, film):
    url = reverse("reviews:write", args=[film.slug])
    response = login(user).post(url, {"headline": "Only a headline", "body": ""})
    html = text_of(response)
    assert response.status_code == 200
    _described_errors(html, "textarea", "body", "needs some text too")
    # The rating radios form a fieldset described by the rating error.
    fieldset = re.search(r'<fieldset class="rating-field[^"]*"([^>]*)>', html).group(1)
    error_id = re.search(r'aria-describedby="([^"]+)"', fieldset).group(1)
    assert error_id in _ids(html)
    assert "Choose a rating" in _element_text(html, error_id)
    radios = [a for t, a in parse_tags(html).tags if t == "input" and a.get("name") == "rating"]
    assert radios and all(a.get("aria-invalid") == "true" for a in radios)


@pytest.mark.django_db
def test_reply_form_error_is_tied_to_the_textarea(login, other_user, review):
    response = login(other_user).post(review.get_absolute_url(), {"body": "   "})
    assert response.status_code == 200
    _described_errors(text_of(response), "textarea", "body", "required")


@pytest.mark.django_db
def test_radio_groups_get_a_described_fieldset(login, other_user, review):
    url = reverse("reviews:report", args=[review.pk])
    response = login(other_user).post(url, {"reason": "no-such-reason"})
    html = text_of(response)
    fieldsets = re.findall(r"<fieldset([^>]*)>\s*<legend>", html)
    described = [re.search(r'aria-describedby="([^"]+)"', f) for f in fieldsets]
    ids = [i for m in described if m for i in m.group(1).split()]
    assert ids and all(i in _ids(html) for i in ids)
    assert any("valid choice" in _element_text(html, i) for i in ids)


@pytest.mark.django_db
def test_signup_errors_are_tied_to_their_fields(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-address", "username": "newbie", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    _described_errors(text_of(response), "input", "email", "valid email")


def test_allauth_single_field_element_ties_errors(rf):
    from django import forms

    class EmailForm(forms.Form):
        email = forms.EmailField()

    form = EmailForm({"email": "nope"})
    assert not form.is_valid()
    source = (
        "{% load allauth %}{% element field id=form.email.auto_id name='email' type='email' "
        "value=form.email.value errors=form.email.errors %}{% slot label %}E-mail{% endslot %}"
        "{% endelement %}"
    )
    # allauth's element tag wants to know which template it is in.
    origin = Origin("inline", template_name="inline.html")
    html = Template(source, origin=origin).render(Context({"form": form, "request": rf.get("/")}))
    _described_errors(html, "input", "email", "valid email")


# --- Page weight and third parties ------------------------------------------------------

WORDS = (
    "the film a of and to in its that is with for as on but it was this by at an be from "
    "light score camera cut frame scene long quiet city night voice love letter screen lonely "
    "performance ending heart story small strange future warm colour sound silence moment "
    "phoenix samantha theodore jonze writer director actor dialogue music grief joy memory"
).split()


def _prose(rng, words):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return ". ".join(part.capitalize() for part in text.split(" the ")) + "."


@pytest.fixture
def full_site(her, make_users, make_film, make_review, settings):
    """Every list page as full as it gets: a page of long reviews with replies, a full
    catalog page, a member with a page of reviews."""
    rng = random.Random(7)
    critic, *readers = make_users(settings.REVIEWS_PER_PAGE + 1)
    films = [her] + [make_film(title=f"Her Film {i}") for i in range(settings.FILMS_PER_PAGE)]
    for i, reader in enumerate(readers):
        review = make_review(
            film=her,
            author=reader,
            rating=rng.randint(1, 10),
            headline=f"Headline number {i}",
            body=f"{_prose(rng, 180)}\n\n> {_prose(rng, 30)}\n\n{_prose(rng, 120)}",
        )
        Reply.objects.create(review=review, author=critic, body=_prose(rng, 25))
    for film in films[1 : settings.REVIEWS_PER_PAGE + 1]:
        make_review(film=film, author=critic, rating=rng.randint(1, 10), body=_prose(rng, 200))
    review = her.reviews.first()
    return {
        "home": reverse("home"),
        "catalog": reverse("films:list"),
        "film": her.get_absolute_url(),
        "review": review.get_absolute_url(),
        "profile": reverse("accounts:profile", args=[critic.username]),
        "search": reverse("films:search") + "?q=her",
    }


def _assets(html):
    """Same-origin stylesheets and scripts the page loads (images don't count)."""
    for tag, attrs in parse_tags(html).tags:
        if tag == "link" and "stylesheet" in attrs.get("rel", "").split():
            yield attrs["href"]
        elif tag == "script" and attrs.get("src"):
            yield attrs["src"]


def _static_bytes(url):
    path = urlsplit(url).path
    assert path.startswith(settings.STATIC_URL), f"{url} is not one of our static files"
    found = finders.find(path[len(settings.STATIC_URL) :])
    assert found, f"{url} does not exist"
    with open(found, "rb") as f:
        return f.read()


BUDGET = 100 * 1024


@pytest.mark.django_db
def test_main_pages_weigh_under_100_kb_compressed(client_for, full_site, user, settings):
    settings.ANONYMOUS_PAGE_CACHE = False
    weights = {}
    for who, client in (("visitor", client_for()), ("member", client_for(user))):
        for name, url in full_site.items():
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content
            assets = sorted(set(_assets(html.decode())))
            assert any(a.endswith(".css") for a in assets) and any(
                a.endswith(".js") for a in assets
            )
            total = len(gzip.compress(html)) + sum(
                len(gzip.compress(_static_bytes(a))) for a in assets
            )
            weights[f"{who} {name}"] = total
            assert total <= BUDGET, f"{who} {name}: {total} bytes compressed"
    print(weights)  # shown with -s


ALLOWED_HOSTS = {"", "testserver"}


@pytest.mark.django_db
def test_pages_make_no_third_party_requests(client, full_site, her, user, make_review):
    for name, url in full_site.items():
        html = text_of(client.get(url))
        for tag, attrs in parse_tags(html).tags:
            for attr in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
                for value in attrs.get(attr, "").split(","):
                    host = urlsplit(value.strip().split(" ")[0]).hostname or ""
                    if host in ALLOWED_HOSTS:
                        continue
                    # Links in what members write are theirs to make, and marked as such.
                    assert tag == "a" and "nofollow" in attrs.get("rel", "").split(), (
                        f"{name}: <{tag} {attr}={value!r}> loads from another host"
                    )


@pytest.mark.django_db
def test_links_in_user_content_are_the_only_external_urls(client, her, user, make_review):
    review = make_review(film=her, author=user, body="[elsewhere](https://example.org/x)")
    html = text_of(client.get(review.get_absolute_url()))
    external = [
        attrs
        for tag, attrs in parse_tags(html).tags
        if tag == "a" and (urlsplit(attrs.get("href", "")).hostname or "") == "example.org"
    ]
    assert external and all("nofollow" in a.get("rel", "").split() for a in external)


def test_the_stylesheet_and_script_have_no_imports_from_elsewhere():
    css = _static_bytes(settings.STATIC_URL + "css/marquee.css").decode()
    js = _static_bytes(settings.STATIC_URL + "js/marquee.js").decode()
    assert "@import" not in css
    for url in re.findall(r"url\(([^)]*)\)", css):
        assert not re.match(r"""['"]?(https?:)?//""", url), url
        assert not url.strip("'\"").startswith("data:"), "data: URIs need a CSP img-src exception"
    assert not re.search(r"https?://", js)
    # Dark theme, reduced motion and visible focus are part of the stylesheet's contract.
    assert "prefers-color-scheme: dark" in css
    assert "prefers-reduced-motion" in css
    assert ":focus-visible" in css


@pytest.mark.django_db
def test_only_posters_below_the_first_row_load_lazily(client, make_film):
    """The first posters of a grid are the page's largest paint: they load at once."""
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 90), "teal").save(buffer, "JPEG")
    for n in range(8):
        name = default_storage.save(f"posters/poster-{n}.jpg", ContentFile(buffer.getvalue()))
        make_film(title=f"Poster film {n}", poster=name)
    response = client.get(reverse("films:list") + "?sort=title")
    posters = [attrs for tag, attrs in parse_tags(text_of(response)).tags if tag == "img"]
    posters = [attrs for attrs in posters if "poster" in attrs.get("class", "")]
    assert len(posters) == 8
    assert [attrs.get("loading") for attrs in posters] == [None] * 6 + ["lazy"] * 2
