from allauth.account.adapter import DefaultAccountAdapter

from accounts.models import Invitation


class AccountAdapter(DefaultAccountAdapter):
    """The portal is invitation-only: no live invitation, no account."""

    def is_open_for_signup(self, request):
        token = request.session.get("invitation_token")
        if not token:
            return False
        return Invitation.objects.filter(token=token, status__in=Invitation.LIVE_STATUSES).exists()
