from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def staff_mfa_required(get_response):
    """Staff without two-factor authentication can't use the admin: every admin page sends
    them to set up an authenticator app first (MARQUEE_STAFF_MFA_REQUIRED).

    A staff account can hide anyone's writing and suspend members, so a stolen password
    alone must not be enough to act as one.
    """

    def middleware(request):
        if (
            settings.MARQUEE_STAFF_MFA_REQUIRED
            and request.path_info.startswith(reverse("admin:index"))
            and request.path_info != reverse("admin:logout")
            and request.user.is_authenticated
            and request.user.is_staff
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts need two-factor authentication. Set up an authenticator "
                    "app to use the moderation tools."
                ),
            )
            return redirect("mfa_activate_totp")
        return get_response(request)

    return middleware
