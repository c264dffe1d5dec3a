"""While the database can't be reached, every page answers 503 with a friendly page.

A database that is down (PostgreSQL restarting, a network cut, a pool that can't get a
connection, the SQLite file unreadable or locked past the busy timeout) raises
OperationalError or InterfaceError wherever the first query of a request happens: in a
view, a template or context processor, the cached_db session backend, the database cache,
or a middleware that reads `request.user`. Two hooks turn all of them into the same 503:

- `DatabaseUnavailableMiddleware.process_exception`, for errors raised by the view and
  while its response renders (templates, context processors, a lazy `request.user`);
- `core.views.server_error`, the 500 handler, for errors raised inside another
  middleware (a session saved after the view, the staff guard reading `request.user`):
  Django hands those to the 500 handler while the exception is still being handled.

The 503 carries `Retry-After` and is never cached. The page is rendered without context
processors, so rendering it can't need the database; if it fails anyway a plain page
stands in. Each process logs the first failure of an outage with its traceback, then
stays quiet until the database answers again, when it logs how long it was away.

Recovery needs no restart: the failing request closes its thread's connections, so the
next request opens a new one (SQLite keeps a persistent connection otherwise, whose file
may have been replaced), and the PostgreSQL pool discards broken connections when they
come back to it and checks idle ones before handing them out (CONN_HEALTH_CHECKS).
"""

import logging
import sqlite3
import threading
import time

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.functional import LazyObject, empty
from django.utils.html import format_html
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _unavailable_errors():
    errors = [OperationalError, InterfaceError, sqlite3.OperationalError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency, but SQLite needs none
        pass
    else:
        # Raised unwrapped by code outside Django's cursor wrappers; the pool's PoolTimeout
        # and PoolClosed are OperationalErrors too.
        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(errors)


UNAVAILABLE_ERRORS = _unavailable_errors()


def is_database_unavailable(exc):
    """True if `exc`, or an exception it was raised from, says the database can't answer."""
    for _depth in range(8):
        if exc is None:
            return False
        if isinstance(exc, UNAVAILABLE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class Outage:
    """This process's view of the database: since when it has failed, how many requests
    got a 503 meanwhile. Logs the start and the end of each outage once."""

    def __init__(self):
        self._lock = threading.Lock()
        self.since = None
        self.refused = 0

    def failed(self, request, exc):
        with self._lock:
            first = self.since is None
            if first:
                self.since = time.monotonic()
                self.refused = 0
            self.refused += 1
        if first:
            logger.error(
                "The database is unavailable (%s: %s); answering 503 until it is back. "
                "First failed request: %s %s",
                type(exc).__name__,
                str(exc).strip(),
                request.method,
                request.path,
                exc_info=exc,
            )

    def answered(self):
        """A request used the database without a failure."""
        if self.since is None:
            return
        with self._lock:
            if self.since is None:
                return
            away, refused = time.monotonic() - self.since, self.refused
            self.since = None
        logger.warning(
            "The database is reachable again after %.1f s; %d requests were answered 503.",
            away,
            refused,
        )


outage = Outage()


def close_broken_connections():
    """Close this thread's connections so the next request opens fresh ones (not inside
    a transaction: the code that opened it owns the connection until it ends)."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close()
        except (DatabaseError, *UNAVAILABLE_ERRORS):
            conn.connection = None


def unavailable_response(request, exc, *, plain=False):
    """The 503 for a request that failed because the database is unavailable."""
    outage.failed(request, exc)
    close_broken_connections()
    if plain:
        response = HttpResponse(
            "database unavailable\n", status=503, content_type="text/plain; charset=utf-8"
        )
    else:
        response = HttpResponse(_render_page(request), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    response.database_unavailable = True
    # Logged once per outage above, not once per request by django.request.
    response._has_been_logged = True
    return response


def _render_page(request):
    context = {
        "request": request,
        "user": _known_user(request),
        "messages": [],
    }
    try:
        # A plain dict context: no context processor runs, none can reach the database.
        return loader.render_to_string("503.html", context)
    except Exception:  # noqa: BLE001 - whatever broke, the visitor still gets the 503 page
        logger.warning("The 503 page could not be rendered; sent the plain one", exc_info=True)
        return _plain_page()


def _known_user(request):
    """The member this request was already identified as, or an anonymous visitor: looking
    the user up now would need the database."""
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return user if user is not None else AnonymousUser()


def _plain_page():
    return format_html(
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"><title>{} · Marquee</title></head>\n'
        '<body>\n<main>\n  <h1>{}</h1>\n  <p>{}</p>\n  <p>{}</p>\n  <p><a href="/">{}</a></p>\n'
        "</main>\n</body>\n</html>\n",
        _("Back in a moment"),
        _("Marquee is taking a short break"),
        _(
            "We can't reach our database right now, so pages can't be shown and nothing "
            "can be saved. This usually clears up within a minute."
        ),
        _(
            "If you were posting a review or a reply, it was not saved: go back and send "
            "it again in a moment."
        ),
        _("Try the home page"),
    )


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE: every response, the 503 included, passes the others on its way
    out (security headers, CSP)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if outage.since is not None and not getattr(response, "database_unavailable", False):
            if any(conn.connection is not None for conn in connections.all(initialized_only=True)):
                outage.answered()
        return response

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
