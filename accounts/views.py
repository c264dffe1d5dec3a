from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Avg, Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.images import delete_with_renditions
from reviews.models import Review

from . import portability
from .forms import DeleteAccountForm, ImportForm, ProfileForm


@require_safe
def profile(request, username):
    member = get_object_or_404(get_user_model(), username=username, is_active=True)
    entries = Review.objects.published().filter(author=member)
    totals = entries.aggregate(
        ratings=Count("pk"),
        reviews=Count("pk", filter=~Q(body="")),
        average=Avg("rating"),
        likes=Sum("like_count"),
        **{f"rated_{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 11)},
    )
    histogram = [totals[f"rated_{n}"] for n in range(1, 11)]
    reviews = Paginator(
        entries.written().for_listing().with_liked_by(request.user).sorted("recent"),
        settings.REVIEWS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    ratings = entries.ratings_only().select_related("film").order_by("-created")[:50]
    return render(
        request,
        "accounts/profile.html",
        {
            "member": member,
            "totals": totals,
            "average_stars": round(totals["average"] / 2, 1) if totals["average"] else None,
            "page": reviews,
            "ratings": ratings,
            "histogram": histogram,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_profile(request):
    posted = request.method == "POST"  # an empty POST is bound too, and answers with errors
    form = ProfileForm(
        request.POST if posted else None, request.FILES if posted else None, instance=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect(request.user)
    return render(request, "accounts/profile_form.html", {"form": form})


@never_cache
@login_required
@require_safe
def export_data(request):
    """A zip of the member's reviews and ratings (Letterboxd CSV) and all they wrote (JSON)."""
    data = portability.export_zip(request.user, request.build_absolute_uri)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="marquee-{request.user.username}-{stamp}.zip"'
    )
    return response


UNMATCHED_SESSION_KEY = "import_unmatched_csv"


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_data(request):
    """Upload a Letterboxd export (zip, reviews.csv or ratings.csv); show what matched."""
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            files = portability.read_upload(form.cleaned_data["file"])
            result = portability.import_files(request.user, files, request.get_host())
        except portability.ImportError_ as exc:
            form.add_error("file", str(exc))
        else:
            if result.unmatched:
                request.session[UNMATCHED_SESSION_KEY] = result.unmatched_csv()
            else:
                request.session.pop(UNMATCHED_SESSION_KEY, None)
            return render(
                request,
                "accounts/import_result.html",
                {"result": result, "unmatched": result.unmatched[:100]},
            )
    return render(request, "accounts/import_form.html", {"form": form})


@never_cache
@login_required
@require_safe
def import_unmatched(request):
    """The rows the last import couldn't match, as a CSV to fix and upload again."""
    text = request.session.get(UNMATCHED_SESSION_KEY)
    if text is None:
        messages.info(request, _("There are no unmatched rows from your last import."))
        return redirect("accounts:import")
    response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="marquee-unmatched.csv"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    """Delete the account after the member re-enters their password. Everything personal
    goes with it; the film statistics are recounted as their reviews are deleted."""
    form = DeleteAccountForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        member = request.user
        avatar = member.avatar.name
        with transaction.atomic():
            member.delete()  # reviews.signals recounts each film as its review goes
        if avatar:
            delete_with_renditions(avatar, get_user_model().AVATAR_SIZES)
        logout(request)
        messages.success(request, _("Your account and everything you wrote are deleted."))
        return redirect("home")
    return render(request, "accounts/delete_form.html", {"form": form})
