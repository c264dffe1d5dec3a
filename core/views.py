from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from films.models import Film
from reviews.models import Review


@require_safe
def home(request):
    latest = Review.objects.published().written().for_listing().sorted("recent")[:8]
    return render(
        request,
        "core/home.html",
        {
            "latest_reviews": latest,
            "most_reviewed": Film.objects.with_stats().most_reviewed()[:6],
            "top_rated": Film.objects.with_stats().top_rated()[:6],
            "top_rated_min": settings.TOP_RATED_MIN_RATINGS,
        },
    )


@never_cache
@require_safe
def healthz(request):
    """Liveness: 200 only after a round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain")


def page_not_found(request, exception=None):
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request):
    # No context processors: the database or a template tag may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
