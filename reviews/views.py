from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from films.models import Film

from . import stats
from .forms import ReplyForm, ReportForm, ReviewForm
from .models import Reply, Report, Review

REPLIES_PER_PAGE = 50


def _published_review(pk):
    return get_object_or_404(Review.objects.published().select_related("film", "author"), pk=pk)


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    # A path on this site only: redirect() would take "0" or "home" for a view name.
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def _save_from_form(request, film, form):
    review, created = Review.objects.save_for(author=request.user, film=film, **form.cleaned_data)
    if created:
        messages.success(request, _("Your review is posted."))
    else:
        messages.success(request, _("Your review is updated."))
    if review.is_rating_only or not review.is_published:
        return redirect(review.film)
    return redirect(review)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit.limit_writes("review")
def write_review(request, slug):
    """The signed-in member's review of a film: creates it, or updates the one they have."""
    film = get_object_or_404(Film, slug=slug)
    form = None
    if request.method == "POST":
        # Bound on every POST, even an empty one, so it answers with its errors. The form
        # needs no instance to validate: save_for finds the member's review, if any.
        form = ReviewForm(request.POST)
        if form.is_valid():
            return _save_from_form(request, film, form)
    existing = Review.objects.filter(film=film, author=request.user).first()
    if form is None:
        form = ReviewForm(instance=existing)
    return render(
        request, "reviews/review_form.html", {"film": film, "form": form, "review": existing}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit.limit_writes("review")
def edit_review(request, pk):
    review = get_object_or_404(Review.objects.select_related("film"), pk=pk, author=request.user)
    form = ReviewForm(request.POST if request.method == "POST" else None, instance=review)
    if request.method == "POST" and form.is_valid():
        return _save_from_form(request, review.film, form)
    return render(
        request, "reviews/review_form.html", {"film": review.film, "form": form, "review": review}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_review(request, pk):
    review = get_object_or_404(Review.objects.select_related("film"), pk=pk, author=request.user)
    if not review.is_published:
        # Deleting and posting again would shed a moderator's decision.
        messages.error(
            request,
            _(
                "A moderator has hidden this review, so it can't be deleted here. "
                "Deleting your account removes it."
            ),
        )
        return redirect(review.film)
    if request.method == "POST":
        film = review.film
        review.remove()
        messages.success(request, _("Your review of %(film)s is deleted.") % {"film": film.title})
        return redirect(film)
    return render(request, "reviews/review_confirm_delete.html", {"review": review})


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit.limit_writes("reply")
def review_detail(request, pk):
    """A review with its replies; a POST here leaves a reply."""
    review = _published_review(pk)
    form = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = ReplyForm(request.POST)
        if form.is_valid():
            reply = _create_reply(request, review, form.cleaned_data["body"])
            last_page = (review.replies.published().count() - 1) // REPLIES_PER_PAGE + 1
            return redirect(f"{review.get_absolute_url()}?page={last_page}#reply-{reply.pk}")
    elif request.user.is_authenticated:
        form = ReplyForm()
    review = Review.objects.filter(pk=review.pk).for_listing().with_liked_by(request.user).get()
    replies = Paginator(
        review.replies.published().select_related("author"), REPLIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/review_detail.html",
        {"review": review, "replies": replies, "form": form},
    )


def _create_reply(request, review, body):
    # A double-clicked submit sends the same reply twice, often at the same instant; keep
    # only the first. The review row is locked first, so the two copies queue and the
    # second one finds the first.
    with transaction.atomic():
        stats.lock_review(review.pk)
        recent = Reply.objects.filter(
            review=review,
            author=request.user,
            body=body,
            created__gte=timezone.now() - timedelta(minutes=2),
        ).first()
        if recent:
            return recent
        reply = Reply.objects.create(review=review, author=request.user, body=body)
    messages.success(request, _("Your reply is posted."))
    return reply


@require_POST
@login_required
@ratelimit.limit_writes("like")
def like_review(request, pk):
    """Like or unlike; answers JSON {"liked", "count"} to a script that asks for it."""
    # Only what a like needs: this runs on every like.
    review = get_object_or_404(
        Review.objects.published().only("pk", "author_id", "like_count"), pk=pk
    )
    wants_json = "application/json" in request.headers.get("Accept", "")
    if review.author_id == request.user.pk:
        if wants_json:
            return JsonResponse({"error": _("You can't like your own review.")}, status=403)
        messages.error(request, _("You can't like your own review."))
    else:
        # The button says what it will do, so a double submit can't undo itself.
        wanted = {"like": True, "unlike": False}.get(request.POST.get("action"))
        liked = review.set_liked(request.user, wanted)
        if wants_json:
            return JsonResponse({"liked": liked, "count": review.like_count})
        messages.success(request, _("You liked this review.") if liked else _("Like removed."))
    return redirect(_safe_next(request, review.get_absolute_url()))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_review(request, pk):
    return _report(request, _published_review(pk))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_reply(request, pk):
    reply = get_object_or_404(
        Reply.objects.published().filter(review__in=Review.objects.published()),
        pk=pk,
    )
    return _report(request, reply)


def _report(request, target):
    """The report form for a review or a reply; one open report per member per item."""
    if target.author_id == request.user.pk:
        raise Http404
    kind = "review" if isinstance(target, Review) else "reply"
    back = target.get_absolute_url()
    open_report = Report.objects.open().filter(reporter=request.user, **{kind: target}).exists()
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and open_report:
        messages.info(request, _("You have already reported this; a moderator will look at it."))
        return redirect(back)
    if request.method == "POST" and form.is_valid():
        # Reports are cheap to send and costly to read. Only new, valid ones count: a
        # repeated report of the same item changes nothing.
        refused = ratelimit.check(request, "report")
        if refused is not None:
            return refused
        form.instance.reporter = request.user
        setattr(form.instance, kind, target)
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:
            pass  # a double submit raced this one in; the first report stands
        messages.success(request, _("Thank you. A moderator will look at this."))
        return redirect(back)
    return render(
        request,
        "reviews/report_form.html",
        {"target": target, "kind": kind, "form": form, "already_reported": open_report},
    )
