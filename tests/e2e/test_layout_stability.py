"""No layout shift while a page loads, even when the browser is slow to parse it.

A busy browser paints what it has parsed so far; a header or poster grid painted half-built
then moves as the rest arrives (that is what bench/web_vitals.py caught now and then under
load). The base template holds the first paint until the parser reaches #page-end. These
tests make the parser slow on purpose: the page is served with a parser-blocking script in
the middle of the content, answered late, so that without the hold Chromium paints the page
above it first.
"""

import time

import pytest

from .live import DESKTOP, PHONE

SLOW_SCRIPT = "/static/slow-parser-test.js"
DELAY_SECONDS = 0.4

# Installed before any of the page's own content: what the first frame saw, and every
# layout shift with its size.
RECORD = """
window.__stability = {firstFrameSawEnd: null, shifts: []};
requestAnimationFrame(() => {
  window.__stability.firstFrameSawEnd = !!document.getElementById('page-end');
});
new PerformanceObserver(list => {
  for (const e of list.getEntries())
    if (!e.hadRecentInput) window.__stability.shifts.push(e.value);
}).observe({type: 'layout-shift', buffered: true});
"""


def slow_parsing(page):
    """Serve every HTML page with a slow parser-blocking script just inside <main>."""

    def html(route):
        response = route.fetch()
        body = response.text()
        marker = 'tabindex="-1">'
        assert marker in body, "the <main> tag of base.html changed; update this test"
        body = body.replace(marker, f'{marker}<script src="{SLOW_SCRIPT}"></script>', 1)
        route.fulfill(response=response, body=body)

    def script(route):
        time.sleep(DELAY_SECONDS)
        route.fulfill(status=200, content_type="text/javascript", body="")

    page.route(lambda url: "/static/" not in url and "/media/" not in url, html)
    page.route(f"**{SLOW_SCRIPT}", script)
    page.add_init_script(RECORD)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/", "/films/", "/films/her/", "/accounts/login/"])
def test_first_paint_waits_for_the_whole_page(new_page, path, viewport):
    page = new_page(viewport=viewport)
    slow_parsing(page)
    page.goto(path, wait_until="load")
    page.wait_for_timeout(200)
    seen = page.evaluate("window.__stability")
    assert seen["firstFrameSawEnd"] is True, "the browser painted a half-parsed page"
    assert sum(seen["shifts"]) == 0, f"layout shifts while loading: {seen['shifts']}"
