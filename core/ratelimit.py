"""Fixed-window rate limits counted in the shared cache, so every web process sees one count.

The default cache is the database cache (or Redis), never per-process memory: a limit of
10 an hour must mean 10 an hour whichever process answers.
"""

import time

from django.core.cache import cache
from django.shortcuts import render


def client_ip(request):
    # REMOTE_ADDR is what the proxy in front of us set; X-Forwarded-For can be forged.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(key, limit, period):
    """Count one event for `key` in the current window; True while within `limit`."""
    window = int(time.time() // period)
    cache_key = f"ratelimit:{key}:{window}"
    if cache.add(cache_key, 1, timeout=period + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.set(cache_key, 1, timeout=period + 5)
            count = 1
    return count <= limit


def too_many(request, message):
    """A friendly 429 page."""
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = "3600"
    return response
