"""Fixed-window rate limits that every web process counts together.

The counts live in Redis or in a database table (RateCount), never in per-process memory:
a limit of 10 an hour must mean 10 an hour whichever process answers.

Members' writes (reviews, replies, likes, reports) are limited per member and per address,
`settings.RATE_LIMITS` an hour each, an address `settings.RATE_LIMIT_IP_FACTOR` times as
many. Sign-up and login are allauth's: it limits them itself (ACCOUNT_RATE_LIMITS).
"""

import datetime
import functools
import ipaddress
import math
import random
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import RateCount

PERIOD = 3600
# Expired counts are deleted by about one hit in this many.
PURGE_CHANCE = 1 / 500

MESSAGES = {
    "review": _(
        "You have posted or edited a lot of reviews in the last hour. Please take a break "
        "and try again later; what you wrote was not saved."
    ),
    "reply": _(
        "You have written a lot of replies in the last hour. Please take a break and try "
        "again later; your reply was not saved."
    ),
    "like": _("You have liked a lot of reviews in the last hour. Please try again later."),
    "report": _(
        "You have sent a lot of reports in the last hour. Thank you; the moderators are "
        "working through them. Please try again later."
    ),
}


def client_ip(request):
    """The client's address as allauth's own limits see it (ALLAUTH_TRUSTED_PROXY_COUNT),
    an IPv6 client by its /64 network, which one household or host usually owns whole."""
    ip = get_adapter().get_client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return ip


def hit(key, limit, period):
    """Count one event for `key` in the current window; True while within `limit`.

    With Redis the count is an atomic INCR in the counters cache. Otherwise it is one
    upsert in the database (RateCount): the database cache's increment is a read then a
    write, which loses counts under concurrency and resets the expiry on every hit.
    """
    window = int(time.time() // period)
    bucket = f"ratelimit:{key}:{window}"
    cache = caches["counters"]
    if not isinstance(cache, DatabaseCache):
        if cache.add(bucket, 1, timeout=period + 5):
            count = 1
        else:
            try:
                count = cache.incr(bucket)
            except ValueError:  # expired between add() and incr()
                cache.set(bucket, 1, timeout=period + 5)
                count = 1
        return count <= limit
    expires = datetime.datetime.fromtimestamp((window + 1) * period, tz=datetime.UTC)
    table = connection.ops.quote_name(RateCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, count, expires) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (bucket) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [bucket, expires],
        )
        (count,) = cursor.fetchone()
    if random.random() < PURGE_CHANCE:  # noqa: S311 - sampling, not security
        RateCount.objects.filter(expires__lt=timezone.now()).delete()
    return count <= limit


def seconds_left(period):
    """Seconds until the current fixed window closes and the counts start again."""
    return max(1, math.ceil(period - time.time() % period))


def check(request, action):
    """Count one `action` by the signed-in member and their address.

    Returns None while both are within their hourly limits, else the 429 page to answer
    with. The member's count is checked first, so one member over the limit doesn't use up
    their address's allowance.
    """
    per_member = settings.RATE_LIMITS[action]
    per_address = per_member * settings.RATE_LIMIT_IP_FACTOR
    with transaction.atomic():  # one write on SQLite for both counts
        within = hit(f"{action}:user:{request.user.pk}", per_member, PERIOD) and hit(
            f"{action}:ip:{client_ip(request)}", per_address, PERIOD
        )
    if within:
        return None
    return too_many(request, MESSAGES[action], retry_after=seconds_left(PERIOD))


def limit_writes(action):
    """Decorate a view so a signed-in member's POSTs count against `action`'s limits.

    Put it below @login_required: anonymous POSTs are the view's business (it sends them
    to log in) and count nowhere.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and request.user.is_authenticated:
                refused = check(request, action)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def too_many(request, message, retry_after=PERIOD):
    """The friendly 429 page, with Retry-After in seconds."""
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
