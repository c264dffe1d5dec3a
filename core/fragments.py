"""Lists of fragments keyed by what they show, looked up in one read.

A key is a digest of every value a fragment's template reads, so a changed value is a new
key: no fragment can be stale, and none is retired by a write that doesn't touch it (as
the fragments keyed by the site-wide content version are, core.cache). Used for review
cards (reviews.cards) and film cards (films.cards).

Fragments live in each process's memory (the "fragments" cache); a deploy restarts the
processes, and SCHEMA moves when a template changes what it reads anyway.
"""

import hashlib

from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import get_language

SCHEMA = 1
TIMEOUT = 60 * 60


def key(kind, parts):
    """The fragment key of `kind` for these values (any repr-able values)."""
    parts = [SCHEMA, get_language(), timezone.get_current_timezone_name(), *parts]
    return f"{kind}:{hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()}"


def rendered(keys, render):
    """The HTML for each key: from the cache where it is there, else `render(i)` for the
    i-th key, stored for the next time. One read and at most one write for the list."""
    fragments = caches["fragments"]
    found = fragments.get_many(keys)
    new = {}
    out = []
    for i, k in enumerate(keys):
        html = found.get(k)
        if html is None:
            html = new[k] = render(i)
        out.append(html)
    if new:
        fragments.set_many(new, TIMEOUT)
    return out
