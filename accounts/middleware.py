from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _


class StaffMfaRequired(MiddlewareMixin):
    """Staff without two-factor authentication can't use the admin: every admin page sends
    them to set up an authenticator app first (MARQUEE_STAFF_MFA_REQUIRED).

    A staff account can hide anyone's writing and suspend members, so a stolen password
    alone must not be enough to act as one. Decided once the URL is resolved, from the
    admin's namespace, so other pages pay nothing for it.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            settings.MARQUEE_STAFF_MFA_REQUIRED
            and match.namespace == "admin"
            and match.url_name != "logout"
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
        return None
