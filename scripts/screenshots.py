#!/usr/bin/env python3
"""Screenshots of the main pages at desktop and phone sizes, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--full-page]

Starts the site as `make run` serves it (gunicorn, DEBUG off, a freshly seeded temporary
database; tests/e2e/live.py) and photographs each page in headless Chromium at 1280x800
and 360x740: home, catalog, a film, a review, a profile, search, sign-up, log-in and the
review form (logged in). Needs Chromium (Debian: `apt-get install chromium`).
"""

import argparse
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

# (file name, path, log in first); {review} and {profile} come from the seeded database.
PAGES = [
    ("home", "/", False),
    ("catalog", "/films/", False),
    ("film", "/films/her/", False),
    ("review", "/reviews/{review}/", False),
    ("profile", "/users/{profile}/", False),
    ("search", "/search/?q=jurasic", False),
    ("signup", "/accounts/signup/", False),
    ("login", "/accounts/login/", False),
    ("review-form", "/films/arrival/review/", True),
]
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def log_in(page, username):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the viewport")
    args = parser.parse_args()
    reason = missing_tools(need_axe=False)
    if reason:
        sys.exit(f"Cannot take screenshots: {reason}")

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with LiveSite() as site, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        values = site.showcase()
        for size, viewport in SIZES.items():
            for logged_in in (False, True):
                context = browser.new_context(base_url=site.url, viewport=viewport)
                page = context.new_page()
                if logged_in:
                    log_in(page, MEMBERS[0])
                for name, path, needs_login in PAGES:
                    if needs_login != logged_in:
                        continue
                    page.goto(path.format(**values), wait_until="networkidle")
                    target = args.out / f"{size}-{name}.png"
                    page.screenshot(path=target, full_page=args.full_page)
                    print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
