"""Browser tests: Playwright driving Chromium against a live gunicorn (tests/e2e/live.py).

One server and one browser per session; each test opens its own browser contexts, so no
test sees another's cookies. Where Chromium, Playwright or axe-core is missing the tests
skip, and the run ends with one line saying why; with CI=true that is a failure instead.
"""

import os

import pytest

from .live import AXE, DESKTOP, MODERATOR, PASSWORD, LiveSite, launch_chromium, missing_tools

_SKIP = "Browser tests SKIPPED"


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After the short summary, just before the closing counts: why the browser didn't run."""
    yield
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if _SKIP in str(report.longrepr)
    ]
    if skipped:
        reason = str(skipped[0].longrepr[2]).removeprefix("Skipped: ")
        terminalreporter.write_line(f"{reason} ({len(skipped)} tests)", yellow=True, bold=True)


@pytest.fixture(scope="session")
def _tools():
    """Every browser fixture starts here: skip (or fail under CI) where a tool is missing."""
    reason = missing_tools()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests cannot run with CI=true: {reason}", pytrace=False)
        pytest.skip(f"{_SKIP}: {reason}")


@pytest.fixture(autouse=True)
def _need_browser(_tools):
    pass


@pytest.fixture(scope="session")
def site(_tools, tmp_path_factory):
    live = LiveSite(tmp_path_factory.mktemp("live-var"))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def browser(_tools):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, site, request):
    """Open a page in a fresh context (its own cookies): new_page(viewport=PHONE, ...)."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=site.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(f"--- server log ---\n{site.log_tail()}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def log_in():
    """Log `page` in through the real login form as `username`."""

    def do(page, username, password=PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Login").fill(username)
        page.get_by_label("Password", exact=False).first.fill(password)
        page.locator("main form").get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return do


@pytest.fixture
def as_moderator(new_page, log_in):
    def make(**options):
        return log_in(new_page(**options), MODERATOR)

    return make


@pytest.fixture(scope="session")
def axe_source(_tools):
    return AXE.read_text()
