from django.http import HttpResponseBadRequest


def reject_nul_bytes(get_response):
    """A NUL byte in the path or query string is never meaningful, and PostgreSQL refuses it
    in text: answer 400 before any view passes it to the database."""

    def middleware(request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest("Bad request.", content_type="text/plain")
        return get_response(request)

    return middleware
