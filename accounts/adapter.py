import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from accounts.models import Invitation
from conference.services import email_queue


class AccountAdapter(DefaultAccountAdapter):
    """The portal is invitation-only: no live invitation, no account."""

    def is_open_for_signup(self, request):
        token = request.session.get("invitation_token")
        if not token:
            return False
        return Invitation.objects.filter(token=token, status__in=Invitation.LIVE_STATUSES).exists()

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.given_name = form.cleaned_data.get("given_name", "").strip()
        user.family_name = form.cleaned_data.get("family_name", "").strip()
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix, email, context):
        """
        Account emails (password reset and the like) go through the outbox too:
        one row each, delivered and retried like every other email. Each is its
        own event, hence a fresh dedup key.
        """
        request = allauth_context.request
        context = {
            "email": email,
            "current_site": get_current_site(request),
            "template_prefix": template_prefix,
            **context,
        }
        user = context.get("user")
        email_queue(
            recipient=email,
            template="account_message",
            context=context,
            kind=f"account:{template_prefix.rsplit('/', 1)[-1]}"[:50],
            dedup_key=f"account:{template_prefix}:{uuid.uuid4().hex}",
            user=user if getattr(user, "pk", None) else None,
        )
