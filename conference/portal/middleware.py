"""Response headers the web app's service worker reads (conference/portal/views/pwa.py)."""

from django.utils.crypto import salted_hmac

USER_HEADER = "X-Portal-User"


def portal_user_key(user):
    """
    Who a page was rendered for, as the service worker sees it: the same for
    every page of one person, different for anyone else, and not their id.
    """
    return salted_hmac("conference.portal.pwa.user", str(user.pk)).hexdigest()[:32]


class PortalUserMiddleware:
    """
    Marks every HTML page rendered for a signed-in person with X-Portal-User.
    The service worker files the pages it keeps offline under this key and
    forgets them when a page answers for someone else, or for no one: one
    person's schedule is never shown offline to the next person on the device.

    Only HTML pages: they render the navigation bar, which has read the user
    already, so the header costs no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and response.get("Content-Type", "").startswith("text/html")
            and user.is_authenticated
        ):
            response[USER_HEADER] = portal_user_key(user)
        return response
