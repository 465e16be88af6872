import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils import translation

from accounts import selectors, services
from accounts.models import Invitation
from conference.core.models import ConferenceRole, Role
from conference.core.services import email_queue

# Each staff role's own page, where its login lands.
STAFF_LANDING = {
    Role.ORGANISER: "conference:dashboard",
    Role.SECURITY: "conference:gatelist",
    Role.CHECKIN: "conference:checkin",
}


class AccountAdapter(DefaultAccountAdapter):
    """The portal is invitation-only: no live invitation, no account."""

    def is_open_for_signup(self, request):
        token = request.session.get("invitation_token")
        if not token:
            return False
        return Invitation.objects.filter(token=token, status__in=Invitation.LIVE_STATUSES).exists()

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth's key starts with the current site's domain, which without
        # django.contrib.sites is the request's Host header, port included: a
        # client could reset an account's failed-login count by changing the
        # port or writing another allowed host name. The portal is one site.
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"portal:{login}"

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.given_name = form.cleaned_data.get("given_name", "").strip()
        user.family_name = form.cleaned_data.get("family_name", "").strip()
        # The invitation's language, which the organiser chose for this person.
        token = request.session.get("invitation_token")
        invitation = token and Invitation.objects.filter(token=token).only("language").first()
        if invitation and not user.language:
            user.language = invitation.language
        if commit:
            user.save()
        return user

    def get_login_redirect_url(self, request):
        """
        Where a login without a `next` page lands: staff at their tool (the
        organiser's dashboard, the security officer's gate list, the check-in
        desk) of their most recent conference; everyone else on the start page.
        """
        roles = list(
            ConferenceRole.objects.filter(user=request.user)
            .order_by("-conference__start_date")
            .values_list("conference__slug", "role")
        )
        if not roles:
            return super().get_login_redirect_url(request)
        slug = roles[0][0]
        held = {role for conference, role in roles if conference == slug}
        # Several roles in one conference: the first of STAFF_LANDING's order.
        tool = next(view for role, view in STAFF_LANDING.items() if role in held)
        return reverse(tool, args=[slug])

    def post_login(self, request, user, **kwargs):
        """
        From login on, the person's language applies: the one they chose (kept
        in the language cookie too, so it holds on this device after logout), or,
        if they never chose, the one they browse in, which their emails then use.
        """
        response = super().post_login(request, user, **kwargs)
        if not user.language:
            services.user_language_set(user=user, language=translation.get_language())
            return response
        translation.activate(user.language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response

    def send_mail(self, template_prefix, email, context):
        """
        Account emails (password reset and the like) go through the outbox too:
        one row each, delivered and retried like every other email. Each is its
        own event, hence a fresh dedup key.

        An account's email goes only to its login (an address an invitation or
        the organisers set) or to an address it verified, never to an
        unverified copy of someone else's address that it may hold.
        """
        user = context.get("user")
        if getattr(user, "pk", None) and not selectors.email_address_is_own(user=user, email=email):
            return
        request = allauth_context.request
        context = {
            "email": email,
            "current_site": get_current_site(request),
            "template_prefix": template_prefix,
            **context,
        }
        email_queue(
            recipient=email,
            template="account_message",
            context=context,
            kind=f"account:{template_prefix.rsplit('/', 1)[-1]}"[:50],
            dedup_key=f"account:{template_prefix}:{uuid.uuid4().hex}",
            user=user if getattr(user, "pk", None) else None,
        )
