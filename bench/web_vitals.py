#!/usr/bin/env python3
"""Browser metrics: Largest Contentful Paint and Cumulative Layout Shift per page.

    .venv/bin/python bench/web_vitals.py [--runs 7] [--viewport desktop|phone]
        [--cpu-slowdown N]

Starts the site as `make run` serves it (gunicorn with config/gunicorn.py, DEBUG off,
whitenoise, a freshly seeded temporary database; tests/e2e/live.py) and loads each main page
in headless Chromium over loopback, each time in a new browser context (a cold HTTP cache,
like a first visit). A PerformanceObserver (buffered) records `largest-contentful-paint` and
`layout-shift` entries; LCP is the last candidate before the page is left, CLS the largest
session window of shifts without recent input, as Chrome's own metric counts them.

It prints LCP p50/p95 and the worst CLS per page against the targets (LCP <= 1 s,
CLS <= 0.05) and exits non-zero with --strict when a page misses one. --cpu-slowdown N has
Chromium run its main thread N times slower (DevTools CPU throttling), as on a busy machine
or a cheap phone: the conditions under which a page painted before it was parsed shifts.
Loopback hides the network, so these figures are the server's and the page's own share of
a real visit.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.live import (  # noqa: E402
    DESKTOP,
    MEMBERS,
    PASSWORD,
    PHONE,
    LiveSite,
    launch_chromium,
    missing_tools,
)

LCP_TARGET_MS = 1000
CLS_TARGET = 0.05

PAGES = [
    ("home", "/", False),
    ("catalog", "/films/", False),
    ("film", "/films/her/", False),
    ("review", "/reviews/{review}/", False),
    ("profile", "/users/{profile}/", False),
    ("search", "/search/?q=jurasic", False),
    ("sign-up", "/accounts/signup/", False),
    ("log-in", "/accounts/login/", False),
    ("film, logged in", "/films/her/", True),
    ("review form", "/films/arrival/review/", True),
]

OBSERVE = """
window.__vitals = {lcp: null, element: '', shifts: []};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) {
    window.__vitals.lcp = e.startTime;
    const el = e.element;
    const what = !el ? '' : el.currentSrc ? el.currentSrc.split('/').pop()
      : '"' + el.textContent.trim().slice(0, 24) + '"';
    window.__vitals.element = el ? el.tagName.toLowerCase() + ' ' + what : '';
  }
}).observe({type: 'largest-contentful-paint', buffered: true});
new PerformanceObserver(list => {
  for (const e of list.getEntries())
    if (!e.hadRecentInput) window.__vitals.shifts.push([e.startTime, e.value]);
}).observe({type: 'layout-shift', buffered: true});
"""

# CLS: the largest burst of shifts less than 1 s apart within a 5 s window.
READ = """() => {
  let worst = 0, current = 0, first = 0, last = 0;
  for (const [t, v] of window.__vitals.shifts) {
    if (current && t - last < 1000 && t - first < 5000) { current += v; }
    else { current = v; first = t; }
    last = t; worst = Math.max(worst, current);
  }
  const nav = performance.getEntriesByType('navigation')[0];
  return {lcp: window.__vitals.lcp, cls: worst, element: window.__vitals.element,
          ttfb: nav ? nav.responseStart : null};
}"""


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def logged_in_state(browser, site):
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(MEMBERS[0])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    state = context.storage_state()
    context.close()
    return state


def measure(browser, site, path, viewport, storage_state, slowdown=1):
    context = browser.new_context(base_url=site.url, viewport=viewport, storage_state=storage_state)
    context.add_init_script(OBSERVE)
    page = context.new_page()
    if slowdown > 1:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    page.goto(path, wait_until="load")
    # Late candidates (a web font, an image decoded after load) are still reported.
    page.wait_for_timeout(300)
    result = page.evaluate(READ)
    context.close()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="loads per page")
    parser.add_argument("--viewport", choices=["desktop", "phone"], default="desktop")
    parser.add_argument(
        "--cpu-slowdown", type=float, default=1, help="run Chromium's CPU N times slower"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses")
    args = parser.parse_args()
    reason = missing_tools(need_axe=False)
    if reason:
        sys.exit(f"Cannot measure: {reason}")

    from playwright.sync_api import sync_playwright

    viewport = DESKTOP if args.viewport == "desktop" else PHONE
    rows, misses = [], 0
    # gunicorn as config/gunicorn.py sizes it for this machine, like `make run`.
    with LiveSite(workers=None, threads=None) as site, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        values = site.showcase()
        member = logged_in_state(browser, site)
        for name, path, logged_in in PAGES:
            url = path.format(**values)
            # One unmeasured load warms the server (page cache, database pages).
            state = member if logged_in else None
            measure(browser, site, url, viewport, state)
            runs = [
                measure(browser, site, url, viewport, state, args.cpu_slowdown)
                for _ in range(args.runs)
            ]
            lcps = [r["lcp"] for r in runs if r["lcp"] is not None]
            ttfb = statistics.median(r["ttfb"] or 0 for r in runs)
            cls = max(r["cls"] for r in runs)
            p50 = statistics.median(lcps) if lcps else float("nan")
            p95 = percentile(lcps, 95) if lcps else float("nan")
            ok = bool(lcps) and p95 <= LCP_TARGET_MS and cls <= CLS_TARGET
            misses += not ok
            rows.append((name, ttfb, p50, p95, cls, ok, runs[-1]["element"]))
        browser.close()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nChromium {args.viewport} {viewport['width']}x{viewport['height']}, loopback, "
        f"{args.runs} cold-cache loads per page, CPU slowdown {args.cpu_slowdown:g}x; "
        f"targets LCP <= {LCP_TARGET_MS} ms, CLS <= {CLS_TARGET}; "
        f"{os.cpu_count()} cores, load average {load}\n"
    )
    print(
        f"| {'page':<16} | {'TTFB p50':>8} | {'LCP p50':>8} | {'LCP p95':>8} "
        f"| {'CLS max':>7} | meets | LCP element"
    )
    print(f"| {'-' * 16} | {'-' * 7}: | {'-' * 7}: | {'-' * 7}: | {'-' * 6}: | ----- | ---")
    for name, ttfb, p50, p95, cls, ok, element in rows:
        print(
            f"| {name:<16} | {ttfb:5.0f} ms | {p50:5.0f} ms | {p95:5.0f} ms | {cls:7.3f} "
            f"| {'yes' if ok else 'NO':<5} | {element}"
        )
    if args.strict and misses:
        sys.exit(1)


if __name__ == "__main__":
    main()
