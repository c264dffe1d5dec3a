"""How big a request may be, and the page that says so when one is bigger (413).

Django refuses a form whose text is over DATA_UPLOAD_MAX_MEMORY_SIZE, or with too many
fields or files, with a bare "Bad Request (400)" when the body is first read; and it has
no limit at all on uploaded files, which it streams to disk whole before any form can look
at them. `limit_request_size` answers both with a page that names the limit: a declared
body over MAX_REQUEST_BODY_BYTES before a byte of it is read, and a form over Django's
limits as it is parsed, before any view or CSRF check sees it.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.shortcuts import render
from django.utils.translation import gettext as _


def _megabytes(n):
    return f"{n / 1_048_576:.1f}"


def request_too_large(request, message):
    """The friendly 413 page."""
    return render(request, "413.html", {"message": message}, status=413)


def limit_request_size(get_response):
    def middleware(request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = settings.MAX_REQUEST_BODY_BYTES
        if declared > limit:
            return request_too_large(
                request,
                _(
                    "What you sent is %(size)s MB, and Marquee accepts at most %(limit)s MB "
                    "in one go."
                )
                % {"size": _megabytes(declared), "limit": _megabytes(limit)},
            )
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parsed here, so its limits are met here
            except RequestDataTooBig:
                return request_too_large(
                    request,
                    _(
                        "The text you sent is larger than Marquee accepts: at most %(limit)s MB "
                        "of form text in one go."
                    )
                    % {"limit": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
                )
            except TooManyFieldsSent:
                return request_too_large(
                    request,
                    _("The form you sent has more than %(n)d fields.")
                    % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
                )
            except TooManyFilesSent:
                return request_too_large(
                    request,
                    _("The form you sent has more than %(n)d files.")
                    % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
                )
        return get_response(request)

    return middleware
