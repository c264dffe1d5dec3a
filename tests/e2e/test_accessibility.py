"""Accessibility in a real browser: axe-core on every main page, plus what axe can't see:
the skip link, a visible focus, labels on every control, errors tied to their fields."""

import json

import pytest
from playwright.sync_api import expect

# Pages as (name, path, member to log in as or None). {review} and {profile} are filled
# from the seeded database.
PAGES = [
    ("home", "/", None),
    ("catalog", "/films/", None),
    ("film", "/films/her/", None),
    ("review", "/reviews/{review}/", None),
    ("profile", "/users/{profile}/", None),
    ("search", "/search/?q=jurasic", None),
    ("sign-up", "/accounts/signup/", None),
    ("log-in", "/accounts/login/", None),
    ("review form", "/films/jumanji/review/", "finn"),
    ("film, logged in", "/films/her/", "finn"),
    ("review with reply form", "/reviews/{review}/", "finn"),
]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def seeded(site):
    return site.showcase()


@pytest.fixture
def open_page(new_page, log_in, seeded):
    def go(path, member=None, **options):
        # Injected axe-core is an inline script, which the site's Content-Security-Policy
        # rightly refuses; bypass_csp lets the test inject it without weakening the policy.
        page = new_page(bypass_csp=True, **options)
        if member:
            log_in(page, member)
        response = page.goto(path.format(**seeded))
        assert response.ok, f"{path}: HTTP {response.status}"
        return page

    return go


def run_axe(page, axe_source):
    page.add_script_tag(content=axe_source)
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                          summary: n.failureSummary, html: n.html})),
            }));
        }"""
    )


def describe(violations):
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.mark.parametrize("name,path,member", PAGES, ids=[p[0] for p in PAGES])
def test_axe_finds_no_serious_violations(open_page, axe_source, name, path, member):
    page = open_page(path, member)
    violations = run_axe(page, axe_source)
    minor = [v for v in violations if v["impact"] not in BLOCKING]
    if minor:
        print(f"{name}: minor axe findings\n{describe(minor)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name} ({page.url}):\n{describe(blocking)}"


def test_axe_on_a_form_showing_errors(open_page, axe_source):
    page = open_page("/films/jumanji/review/", "gus")
    form = page.locator("form").filter(has=page.locator("[name=contains_spoilers]"))
    form.locator("[name=headline]").fill("A headline and nothing else")
    form.get_by_role("button", name="Post review").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_attached()
    blocking = [v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_skip_link_moves_focus_to_main(open_page):
    page = open_page("/films/her/")
    page.keyboard.press("Tab")
    skip = page.evaluate("() => [document.activeElement.tagName, document.activeElement.hash]")
    assert skip == ["A", "#main"], f"the first Tab should reach the skip link, got {skip}"
    page.keyboard.press("Enter")
    focus_in_main = "() => document.querySelector('main').contains(document.activeElement)"
    if not page.evaluate(focus_in_main):
        # Browsers move only the starting point of sequential navigation to a target that
        # can't take focus: the next Tab must then land inside <main>.
        page.keyboard.press("Tab")
    assert page.evaluate(focus_in_main), "after the skip link, focus is not in <main>"
    assert page.evaluate("() => !document.querySelector('header').contains(document.activeElement)")


FOCUS_STYLE = """el => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow,
            s.backgroundColor, s.textDecorationLine, s.borderColor].join(' | '); }"""


def test_focus_is_visible_on_links_buttons_and_fields(open_page):
    page = open_page("/films/her/")
    seen = {}
    for _ in range(60):
        page.keyboard.press("Tab")
        el = page.evaluate_handle("() => document.activeElement")
        kind = el.evaluate(
            "el => el.tagName === 'A' ? (el.closest('main') ? 'link in main' : 'link in header')"
            " : el.tagName === 'BUTTON' ? 'button' : el.tagName === 'INPUT' ? 'field' : null"
        )
        if kind and kind not in seen:
            focused_style = el.evaluate(FOCUS_STYLE)
            page.evaluate("() => document.activeElement.blur()")
            unfocused_style = el.evaluate(FOCUS_STYLE)
            seen[kind] = (focused_style, unfocused_style)
            el.evaluate("el => el.focus()")
        if len(seen) == 4:
            break
    assert set(seen) == {"link in main", "link in header", "button", "field"}, seen
    invisible = {k: v[0] for k, v in seen.items() if v[0] == v[1]}
    assert not invisible, f"no visible change on keyboard focus: {json.dumps(invisible)}"
    # An outline that is there must be one a person can see.
    for kind, (style, _) in seen.items():
        outline, width = style.split(" | ")[:2]
        if outline != "none":
            assert float(width.removesuffix("px")) >= 1, f"{kind}: focus outline {style}"


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !el.title)
    .map(el => el.outerHTML.slice(0, 160))"""

FORM_PAGES = [
    ("/accounts/signup/", None),
    ("/accounts/login/", None),
    ("/search/?q=her", None),
    ("/films/jumanji/review/", "gus"),
    ("/reviews/{review}/", "gus"),
    ("/reviews/{review}/report/", "gus"),
    ("/accounts/profile/", "gus"),
]


@pytest.mark.parametrize("path,member", FORM_PAGES, ids=[p for p, _ in FORM_PAGES])
def test_every_form_control_has_a_label(open_page, path, member):
    page = open_page(path, member)
    assert page.locator("main form").count(), f"{path} shows no form"
    assert page.evaluate(UNLABELLED) == [], f"controls without a label on {path}"
    # Radio groups carry their question as a fieldset legend, not a loose label.
    groups = page.evaluate(
        """() => [...new Set([...document.querySelectorAll('input[type=radio]')]
                .map(el => el.name))]
            .filter(name => !document.querySelector(
                `input[type=radio][name="${name}"]`).closest('fieldset')?.querySelector('legend'))"""
    )
    assert groups == [], f"radio groups without a fieldset legend on {path}: {groups}"


ERROR_LINKS = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.getAttribute('aria-invalid') === 'true'
                  || el.closest('fieldset[aria-invalid=true]'))
    .map(el => {
        const holder = el.getAttribute('aria-describedby') ? el : el.closest('fieldset');
        const ids = (holder && holder.getAttribute('aria-describedby') || '').split(/\\s+/);
        const text = ids.map(id => document.getElementById(id)?.innerText || '').join(' ');
        return {name: el.name, describedBy: text.trim()};
    })"""


def test_form_errors_are_tied_to_their_fields(open_page):
    page = open_page("/accounts/signup/")
    form = page.locator("main form").filter(has=page.locator("[name=password2]"))
    form.locator("[name=email]").fill("not-an-address@")
    form.locator("[name=username]").fill("tied")
    form.locator("[name=password1]").fill("short")
    form.locator("[name=password2]").fill("different")
    # The browser's own validation would stop an invalid e-mail before the server saw it.
    form.evaluate("f => f.noValidate = true")
    form.get_by_role("button").last.click()
    expect(page.locator("[name=email][aria-invalid=true]")).to_be_attached()
    fields = {f["name"]: f["describedBy"] for f in page.evaluate(ERROR_LINKS)}
    assert "email" in fields, fields
    assert all(fields.values()), f"fields marked invalid without a described error: {fields}"
    assert "valid email" in fields["email"].lower()

    page = open_page("/films/jumanji/review/", "gus")
    form = page.locator("form").filter(has=page.locator("[name=contains_spoilers]"))
    form.locator("[name=headline]").fill("Only a headline")
    form.get_by_role("button", name="Post review").click()
    expect(page.locator("[name=body][aria-invalid=true]")).to_be_attached()
    fields = {f["name"]: f["describedBy"] for f in page.evaluate(ERROR_LINKS)}
    assert {"rating", "body"} <= set(fields), fields
    assert "rating" in fields["rating"].lower()
    assert "needs some text" in fields["body"]
