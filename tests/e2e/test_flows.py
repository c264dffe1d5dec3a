"""The main journeys through the site in a real browser, checked as a person sees them
and, where it matters, in the database behind the live server."""

import re

import pytest
from playwright.sync_api import expect

from .live import MEMBERS, PASSWORD, PHONE
from .steps import (
    fill_review,
    no_sideways_scroll,
    post_review,
    reply_form,
    review_card,
    review_cards,
    review_form,
    search_from_header,
    sign_up,
)


def test_sign_up_from_the_login_gate_then_write_and_edit_a_review(site, new_page):
    page = new_page()
    page.goto("/films/her/")
    gate = page.locator("#write")
    expect(gate).to_contain_text("You must be registered and logged in to submit your review.")
    gate.get_by_role("link", name=re.compile("sign up", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next=(/|%2F)films(/|%2F)her"))

    sign_up(page, "newcomer")
    # Back on the film they came from, logged in, with the review form where the gate was.
    page.wait_for_url(f"{site.url}/films/her/")
    expect(page.get_by_role("banner")).to_contain_text("newcomer")
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_have_count(0)
    assert site.query_one("SELECT is_active FROM accounts_user WHERE username = 'newcomer'")

    fill_review(
        page,
        rating=8,
        headline="Not a Keeper",
        body="The *ending* is quietly devastating: Samantha leaves.",
        spoilers=True,
    )
    review_form(page).get_by_role("button", name="Post review").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/"))
    expect(page.get_by_text("Your review is posted.")).to_be_visible()
    card = review_card(page, "Not a Keeper")
    expect(card).to_contain_text("8/10")
    expect(card.locator("em", has_text="ending")).to_be_attached()
    review_id = int(re.search(r"/reviews/(\d+)/", page.url).group(1))
    row = site.query_one(
        "SELECT r.rating, r.headline, r.contains_spoilers, r.status FROM reviews_review r "
        "JOIN accounts_user u ON u.id = r.author_id WHERE r.id = ? AND u.username = ?",
        (review_id, "newcomer"),
    )
    assert row == (8, "Not a Keeper", 1, "published")

    card.get_by_role("link", name="Edit").click()
    expect(page).to_have_url(re.compile(rf"/reviews/{review_id}/edit/"))
    form = review_form(page)
    expect(form.locator("[name=headline]")).to_have_value("Not a Keeper")
    form.locator("input[name=rating][value='9']").check()
    form.locator("[name=headline]").fill("A Keeper After All")
    form.get_by_role("button", name="Update review").click()
    expect(page.get_by_text("Your review is updated.")).to_be_visible()
    card = review_card(page, "A Keeper After All")
    expect(card).to_contain_text("9/10")
    expect(card).to_contain_text("edited")
    assert site.query_one(
        "SELECT rating, headline FROM reviews_review WHERE id = ?", (review_id,)
    ) == (9, "A Keeper After All")

    # A visitor sees the spoiler collapsed until they open it.
    visitor = new_page()
    visitor.goto(f"/reviews/{review_id}/")
    spoiler = visitor.locator("details").filter(has_text="Samantha leaves")
    expect(spoiler).not_to_have_attribute("open", "")
    expect(visitor.get_by_text("Samantha leaves")).to_be_hidden()
    spoiler.locator("summary").click()
    expect(spoiler).to_have_attribute("open", "")
    expect(visitor.get_by_text("Samantha leaves")).to_be_visible()


def test_reply_like_report_then_a_moderator_hides_the_review(site, new_page, log_in, as_moderator):
    author = log_in(new_page(), "ada")
    review_id = post_review(
        author,
        "arrival",
        rating=6,
        headline="Heptapods all the way down",
        body="Lovely, slow, and the score hums.",
    )
    visitor = new_page()
    visitor.goto("/films/arrival/")
    expect(review_card(visitor, "Heptapods all the way down")).to_be_visible()

    reader = log_in(new_page(), "ben")
    reader.goto("/films/arrival/")
    card = review_card(reader, "Heptapods all the way down")
    card.get_by_role("link", name="Heptapods all the way down").click()
    expect(reader).to_have_url(re.compile(rf"/reviews/{review_id}/$"))

    reply_form(reader).locator("[name=body]").fill("The ending made me call my mother.")
    reply_form(reader).get_by_role("button", name="Post reply").click()
    expect(reader.get_by_text("Your reply is posted.")).to_be_visible()
    reply = reader.get_by_role("article").filter(has_text="The ending made me call my mother.")
    expect(reply).to_contain_text("Ben")

    card = review_card(reader, "Heptapods all the way down")
    like = card.get_by_role("button", name="Like")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(card).to_contain_text("0 likes")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(card).to_contain_text("1 like")
    assert site.query_one("SELECT like_count FROM reviews_review WHERE id = ?", (review_id,)) == (
        1,
    )

    reader.get_by_role("link", name="Report this review").click()
    reader.get_by_label("Spam or advertising").check()
    reader.get_by_label(re.compile("note", re.I)).fill("Reads like an advert for the score.")
    reader.get_by_role("button", name="Send report").click()
    expect(reader.get_by_text("Thank you. A moderator will look at this.")).to_be_visible()
    assert site.query_one(
        "SELECT reason, resolved_at FROM reviews_report WHERE review_id = ?", (review_id,)
    ) == ("spam", None)

    moderator = as_moderator()
    moderator.goto("/admin/reviews/report/queue/")
    row = moderator.locator(f"#review-{review_id}")
    expect(row).to_contain_text("Heptapods all the way down")
    row.get_by_role("button", name="Hide it").click()
    expect(moderator.locator(f"#review-{review_id}")).to_have_count(0)
    assert site.query_one("SELECT status FROM reviews_review WHERE id = ?", (review_id,)) == (
        "hidden",
    )

    # The visitor who saw it a moment ago (a cached page) no longer does.
    visitor.reload()
    expect(visitor.get_by_role("heading", name="Arrival")).to_be_visible()
    expect(visitor.get_by_text("Heptapods all the way down")).to_have_count(0)
    response = visitor.goto(f"/reviews/{review_id}/")
    assert response.status == 404


def test_search_box_in_the_header_forgives_typos(new_page):
    page = new_page()
    page.goto("/")
    search_from_header(page, "pacific rimm")
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name=re.compile("^Pacific Rim"))).to_be_visible()

    search_from_header(page, "parque jurasico")
    link = page.get_by_role("main").get_by_role("link", name=re.compile("^Jurassic Park"))
    expect(link.first).to_be_visible()
    link.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jurassic Park")


VARIANTS = {
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
    "no-javascript": {"java_script_enabled": False},
}


@pytest.mark.parametrize(
    "variant,member,slug,title",
    [
        ("phone", "cleo", "parasite", "Parasite"),
        ("no-javascript", "dev", "moonlight", "Moonlight"),
    ],
)
def test_main_flow(site, new_page, log_in, variant, member, slug, title):
    """Find a film, review it, read the spoiler, reply and like: on a phone, and without JS."""
    options = VARIANTS[variant]
    page = log_in(new_page(**options), member)
    if variant == "phone":
        no_sideways_scroll(page)

    search_from_header(page, title.lower())
    page.get_by_role("main").get_by_role("link", name=re.compile(f"^{title}")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    if variant == "phone":
        no_sideways_scroll(page)

    headline = f"{title} on a {variant} screen"
    fill_review(page, rating=9, headline=headline, body="The staircase shot. Wow.", spoilers=True)
    review_form(page).get_by_role("button", name="Post review").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/"))
    expect(review_card(page, headline)).to_be_visible()
    review_id = int(re.search(r"/reviews/(\d+)/", page.url).group(1))
    if variant == "phone":
        no_sideways_scroll(page)

    # Someone else's review on the same film: like it and reply to it.
    page.goto(f"/films/{slug}/")
    other = review_cards(page).filter(has=page.get_by_role("button", name="Like")).first
    other_id = int(re.search(r"review-(\d+)", other.get_attribute("id")).group(1))
    likes_before = site.query_one("SELECT like_count FROM reviews_review WHERE id = ?", (other_id,))
    other = page.locator(f"#review-{other_id}")
    expect(other.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "false")
    other.get_by_role("button", name="Like").click()
    expect(other.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    likes_after = site.query_one("SELECT like_count FROM reviews_review WHERE id = ?", (other_id,))
    assert likes_after[0] == likes_before[0] + 1

    page.goto(f"/reviews/{other_id}/")
    reply_form(page).locator("[name=body]").fill(f"Replying from a {variant}.")
    reply_form(page).get_by_role("button", name="Post reply").click()
    expect(page.get_by_text(f"Replying from a {variant}.")).to_be_visible()
    if variant == "phone":
        no_sideways_scroll(page)

    # A visitor in the same conditions opens the spoiler.
    visitor = new_page(**options)
    visitor.goto(f"/reviews/{review_id}/")
    expect(visitor.get_by_text("The staircase shot. Wow.")).to_be_hidden()
    visitor.get_by_text(re.compile("contains spoilers", re.I)).click()
    expect(visitor.get_by_text("The staircase shot. Wow.")).to_be_visible()


def test_post_a_review_with_the_keyboard_only(site, new_page):
    """Tab, type, arrow keys, Space and Enter: no pointer at all."""
    page = new_page()
    page.goto("/accounts/login/?next=/films/spirited-away/")
    tab_to(page, lambda el: el["name"] == "login")
    page.keyboard.type("eve")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/films/spirited-away/")

    # The skip link first, then into the rating group of the review form.
    page.keyboard.press("Tab")
    assert focused(page)["text"].strip().lower().startswith("skip")
    page.keyboard.press("Enter")
    tab_to(page, lambda el: el["name"] == "rating")
    # Arrow keys move through the radio group and choose as they go: 5, 4.5, 4 stars.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == "8"
    tab_to(page, lambda el: el["name"] == "headline")
    page.keyboard.type("Typed, never clicked")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "body"
    page.keyboard.type("No-Face deserved better.")
    tab_to(page, lambda el: el["name"] == "contains_spoilers")
    page.keyboard.press("Space")
    tab_to(page, lambda el: el["tag"] == "BUTTON" and "review" in el["text"].lower())
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/reviews/\d+/"))
    expect(review_card(page, "Typed, never clicked")).to_be_visible()
    assert site.query_one(
        "SELECT r.rating, r.contains_spoilers, r.body FROM reviews_review r "
        "JOIN accounts_user u ON u.id = r.author_id WHERE u.username = 'eve'"
    ) == (8, 1, "No-Face deserved better.")


def focused(page):
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {tag: el.tagName, name: el.getAttribute('name') || '',
                           value: el.value || '', text: el.innerText || ''}; }"""
    )


def tab_to(page, wanted, limit=200):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if wanted(focused(page)):
            return
    raise AssertionError(f"Tab never reached the element on {page.url}")


def test_the_character_count_counts_a_line_break_once(site, new_page, log_in):
    """The count agrees with maxlength and the server: a line break is one character."""
    page = log_in(new_page(), MEMBERS[3])
    page.goto("/films/her/review/")
    body = review_form(page).locator("[name=body]")
    body.fill("ab\ncd")
    counter = review_form(page).locator(".char-count")
    expect(counter).to_contain_text("5 / 20,000")
    expect(counter).to_contain_text("19,995 characters left")
