from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from reviews.models import Review

from .forms import ProfileForm


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
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect(request.user)
    return render(request, "accounts/profile_form.html", {"form": form})
