"""What a person does on the site, as Playwright steps the browser tests share.

Selectors follow what a person sees and the stable contract in DESIGN.md: URLs, roles,
labels and form field names (`rating`, `headline`, `body`, `contains_spoilers`; reply
`body`), never CSS classes, which the design may change.
"""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from .live import PASSWORD

RATING_STARS = {10: "5", 9: "4.5", 8: "4", 7: "3.5", 6: "3", 5: "2.5", 4: "2", 3: "1.5", 2: "1"}


def review_form(page):
    return page.locator("form").filter(has=page.locator("[name=contains_spoilers]"))


def reply_form(page):
    return page.locator("form").filter(has=page.get_by_role("button", name="Post reply"))


def sign_up(page, username, *, email=None, password=PASSWORD):
    """Fill allauth's real sign-up form on the current page and submit it."""
    form = page.locator("main form").filter(has=page.locator("[name=password2]"))
    form.locator("[name=email]").fill(email or f"{username}@example.org")
    form.locator("[name=username]").fill(username)
    form.locator("[name=password1]").fill(password)
    form.locator("[name=password2]").fill(password)
    form.get_by_role("button", name=re.compile("sign up", re.I)).click()


def fill_review(page, *, rating, headline="", body="", spoilers=False):
    form = review_form(page)
    form.locator(f"input[name=rating][value='{rating}']").check()
    form.locator("[name=headline]").fill(headline)
    form.locator("[name=body]").fill(body)
    form.locator("[name=contains_spoilers]").set_checked(spoilers)
    return form


def post_review(page, slug, **review):
    """Write a review from the film page's own form; lands on the review's page."""
    page.goto(f"/films/{slug}/")
    form = fill_review(page, **review)
    form.get_by_role("button", name=re.compile(r"(post|update) review", re.I)).click()
    page.wait_for_url(re.compile(r"/reviews/\d+/"))
    expect(page.get_by_text(re.compile("your review is (posted|updated)", re.I))).to_be_visible()
    return int(re.search(r"/reviews/(\d+)/", page.url).group(1))


def review_card(page, headline):
    """The review's card: an <article> named by its heading."""
    return page.get_by_role("article", name=re.compile(re.escape(headline)))


def review_cards(page):
    """Review cards: articles with no article inside (the film page is an article too)."""
    return page.get_by_role("article").filter(has_not=page.get_by_role("article"))


def search_from_header(page, query):
    box = page.get_by_role("banner").get_by_role("searchbox")
    box.fill(query)
    box.press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == [query])


def no_sideways_scroll(page):
    """The page fits the viewport's width: nothing makes a phone scroll sideways."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the viewport"
