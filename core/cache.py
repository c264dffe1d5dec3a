"""Whole-page caching for anonymous visitors, invalidated by one site-wide content version.

Every change that can alter a public page (a review, its stats, a like, a reply, a catalog
edit) bumps the content version in the transaction that makes it. Cached pages are keyed by
that version, and their ETag and Last-Modified derive from it, so a new or hidden review
shows at once and browsers revalidate cheaply (304).

Only requests that carry no session and no messages cookie are served from the cache or
stored in it: a logged-in member always has a session cookie, so they never see a cached
anonymous page, and a page is never stored if rendering it set a cookie (a CSRF token) or
it isn't a plain 200.
"""

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import http_date, parse_http_date_safe, quote_etag

VERSION_KEY = "content-version"
# Moves only with the catalog (films, people, credits, titles, genres): fragments of a
# film's own facts are keyed by it, plus the film row's stored stats, so a review, a like
# or a reply elsewhere on the site doesn't re-render them.
CATALOG_KEY = "catalog-version"
PAGE_TIMEOUT = 60 * 60


def content_version():
    """The current content version: microseconds since the epoch at the last change."""
    return _read(VERSION_KEY)


def catalog_version():
    """The current catalog version: microseconds since the epoch at the last catalog edit
    (every catalog edit moves the content version too)."""
    return _read(CATALOG_KEY)


def _read(key):
    versions = caches["counters"]
    # What this reads, a later change in the same transaction must move (bump_after_commit).
    transaction.get_connection().pending_content_bump = None
    version = versions.get(key)
    if version is None:
        # A flushed cache starts from now, so no stale ETag can ever match again.
        versions.add(key, _now(), timeout=None)
        version = versions.get(key) or _now()
    return version


def request_catalog_version(request):
    """The catalog version for this request's fragment keys, read once per request."""
    known = getattr(request, "catalog_version", None)
    if known is None:
        known = request.catalog_version = catalog_version()
    return known


def content_version_context(request):
    """`catalog_version` for templates' fragment cache keys, read only if a template asks.
    (Cards key themselves by what they show: reviews.cards, films.cards.)"""
    return {"catalog_version": SimpleLazyObject(lambda: request_catalog_version(request))}


def bump_content_version(*, catalog=True):
    """Move the content version (and, unless catalog=False, the catalog version) to now:
    one write each at most, whatever the cache backend. By default both: a caller that doesn't
    say what changed may have changed anything."""
    now = _now()
    versions = caches["counters"]
    if catalog:
        # Together, and the catalog's first where they can't be (one UPDATE each on
        # SQLite): whoever reads the new content version then reads the new catalog
        # version too, and never keys a page by the new one over fragments of the old.
        versions.set_many({CATALOG_KEY: now, VERSION_KEY: now}, timeout=None)
    else:
        versions.set(VERSION_KEY, now, timeout=None)


def bump_after_commit(*, catalog=False):
    """Invalidate cached pages with the current transaction's changes (and, with
    catalog=True, the fragments of films' own facts: for edits of the catalog).

    The bump inside the transaction makes the change visible to its own later reads. When
    the counters live in the database (the database cache), that bump commits together
    with the data it describes, so no other process can pair the new version with the old
    data, and a transaction's further changes need no bump of their own until something
    reads the version again. A counter elsewhere (Redis) is visible at once, before the
    data commits: another process could render the old data under the new version, so it
    is bumped again when the transaction commits, retiring any such page.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump_content_version(catalog=catalog)
        return
    pending = getattr(connection, "pending_content_bump", None)
    if (
        pending is not None
        and (pending.catalog or not catalog)
        and any(entry[1] is pending for entry in connection.run_on_commit)
    ):
        return  # bumped in this transaction (not rolled back), and not read since
    bump_content_version(catalog=catalog)
    connection.pending_content_bump = _Bump(
        again=not isinstance(caches["counters"], DatabaseCache), catalog=catalog
    )
    transaction.on_commit(connection.pending_content_bump)


class _Bump:
    """A transaction's bump, as an on_commit entry: it lives as long as the bump can be
    rolled back, and bumps again at commit for a counter outside the database."""

    def __init__(self, again, catalog):
        self.again = again
        self.catalog = catalog

    def __call__(self):
        if self.again:
            bump_content_version(catalog=self.catalog)


def _now():
    return time.time_ns() // 1000


def _cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def anonymous_page_cache(view=None, *, refresh_every=None):
    """Serve anonymous GETs of `view` from the cache, with ETag / Last-Modified and 304s.

    `refresh_every` (seconds) also retires the page on that schedule, for pages that show
    something no content version follows (the home page's "Recently searched").
    """
    if view is None:
        return functools.partial(anonymous_page_cache, refresh_every=refresh_every)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.ANONYMOUS_PAGE_CACHE or not _cacheable_request(request):
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ["Cookie"])
            return response

        version = content_version()
        if refresh_every:
            version = max(version, int(time.time() // refresh_every * refresh_every * 1_000_000))
        path = request.get_full_path()
        digest = hashlib.blake2b(f"{version}:{path}".encode(), digest_size=12).hexdigest()
        etag = quote_etag(digest)
        last_modified = version // 1_000_000

        if _not_modified(request, etag, last_modified):
            return _with_validators(HttpResponseNotModified(), etag, last_modified)

        # A stored page carries its validators already: they follow from its key.
        key = f"page:{digest}"
        local = caches["pages"]
        response = local.get(key)
        if response is None:
            response = cache.get(key)
            if response is not None:
                if "ETag" not in response:  # stored by a release that added them on each hit
                    _with_validators(response, etag, last_modified)
                local.set(key, response, PAGE_TIMEOUT)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            storable = _storable(request, response)
            _with_validators(response, etag, last_modified)
            if storable:
                cache.set(key, response, PAGE_TIMEOUT)
                local.set(key, response, PAGE_TIMEOUT)
        return response

    return wrapper


def _storable(request, response):
    """Only a plain 200 that is the same for every visitor: nothing set a cookie, rendered
    a CSRF token or queued a message for this one visitor.
    """
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(getattr(request, "_messages", None), "_queued_messages", None)
        and b"csrfmiddlewaretoken" not in response.content
    )


def _not_modified(request, etag, last_modified):
    # From META: request.headers would build a dict of every header on each request.
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    if_modified_since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if not if_modified_since:
        return False
    since = parse_http_date_safe(if_modified_since)
    return since is not None and last_modified <= since


@functools.lru_cache(maxsize=64)
def _http_date(seconds):
    """Last-Modified of a version: the same few versions are formatted on every 304."""
    return http_date(seconds)


def _with_validators(response, etag, last_modified):
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = _http_date(last_modified)
    response.headers["Cache-Control"] = "max-age=0, must-revalidate"
    patch_vary_headers(response, ["Cookie"])
    return response
