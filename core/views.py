import sys

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from films.models import Film, SearchQuery
from reviews.models import Review

from . import faults
from .cache import anonymous_page_cache


@require_safe
@anonymous_page_cache(refresh_every=60)
def home(request):
    latest = (
        Review.objects.published()
        .written()
        .for_listing()
        .with_liked_by(request.user)
        .sorted("recent")[:8]
    )
    return render(
        request,
        "core/home.html",
        {
            "latest_reviews": latest,
            "most_reviewed": Film.objects.with_stats().most_reviewed()[:6],
            "top_rated": Film.objects.with_stats().top_rated()[:6],
            "top_rated_min": settings.TOP_RATED_MIN_RATINGS,
            "recent_searches": SearchQuery.objects.recent()[:10],
        },
    )


@never_cache
@require_safe
def healthz(request):
    """Liveness: 200 only after a round trip to the database, 503 while it can't answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except faults.UNAVAILABLE_ERRORS as exc:
        return faults.unavailable_response(request, exc, plain=True)
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('django.contrib.sitemaps.views.sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain")


def page_not_found(request, exception=None):
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request):
    # Called while the exception is being handled. A database that can't answer is a 503
    # (core.faults), also when a middleware met it rather than the view.
    exc = sys.exception()
    if faults.is_database_unavailable(exc):
        return faults.unavailable_response(request, exc)
    # No context processors: the database or a template tag may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
