"""
Pages anyone with the link may open: the invitation link, sign-up from it
(allauth's, given the invitation), switching account, the language switch,
and the account's (read-only) email address.
"""

from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.models import Invitation
from conference.core.errors import shown_to_user


def _after_accept_url(invitation):
    slug = invitation.conference.slug
    if invitation.role == Invitation.InvitedRole.DELEGATE:
        return reverse("accounts:register", args=[slug])
    if invitation.role == Invitation.InvitedRole.ORGANISER:
        return reverse("conference:dashboard", args=[slug])
    return reverse("conference:home", args=[slug])


@never_cache  # personal data behind a secret address, not behind a login
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """
    Where the invitation email leads. A usable invitation is remembered in
    the session (which opens sign-up, see the adapter); a logged-in invitee
    accepts it with one click, a new one goes on to sign up. A used, revoked
    or expired link gets a page that says so.

    Showing the page changes nothing about the invitation: mail security
    scanners and link previews follow (GET) every link in a message. Only a
    person's action on the page, a POST, marks it opened.
    """
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        return render(
            request, "accounts/invitation_unusable.html", {"reason": "unknown"}, status=404
        )
    conference = invitation.conference
    context = {"conference": conference, "invitation": invitation}
    with timezone.override(conference.tz):
        if not invitation.is_usable():
            mine = request.user.is_authenticated and invitation.accepted_by_id == request.user.pk
            if mine:
                return redirect(_after_accept_url(invitation))
            reason = invitation.status
            if invitation.status in Invitation.LIVE_STATUSES:
                reason = Invitation.Status.EXPIRED  # past expiry, not swept yet
            context["reason"] = reason
            return render(request, "accounts/invitation_unusable.html", context)

        if request.method == "POST":
            services.invitation_open(invitation=invitation)
        if request.user.is_authenticated:
            context["other_account"] = request.user.email.lower() != invitation.email.lower()
            if request.method == "POST" and not context["other_account"]:
                with shown_to_user(request) as outcome:
                    services.invitation_accept(token=token, user=request.user)
                if not outcome.ok:
                    return redirect("invitation", token)
                request.session.pop("invitation_token", None)
                messages.success(
                    request,
                    _("Welcome! Your invitation to %(name)s is accepted.")
                    % {"name": conference.name},
                )
                return redirect(_after_accept_url(invitation))
            return render(request, "accounts/invitation.html", context)

        request.session["invitation_token"] = token
        here = reverse("invitation", args=[token])
        if selectors.email_address_is_held(email=invitation.email):
            messages.info(
                request,
                _("You already have an account with %(email)s. Log in to accept the invitation.")
                % {"email": invitation.email},
            )
            return redirect(f"{reverse('account_login')}?next={here}")
        if request.method == "POST":
            return redirect(f"{reverse('account_signup')}?next={_after_accept_url(invitation)}")
        return render(request, "accounts/invitation.html", context)


@require_POST
def language_set(request):
    """Django's set_language; a signed-in person's choice is kept on their account too."""
    response = i18n_views.set_language(request)
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


@require_POST
def invitation_switch_account(request, token):
    """Log out of another account, to come back to the invitation as its invitee."""
    logout(request)
    return redirect("invitation", token)


@login_required
@require_GET
def email(request):
    """
    The account's address, read-only (in place of allauth's page, which adds
    addresses, switches the primary one and sends verification mail). It is
    the address the organisers invited: only they change it.
    """
    addresses = request.user.emailaddress_set.order_by("-primary", "email")
    return render(request, "account/email.html", {"addresses": addresses})


class InvitationSignupView(allauth_views.SignupView):
    """allauth's sign-up, given the invitation of the session (see SignupForm)."""

    def closed(self):
        """No live invitation in the session: "invitation required", unless it was just used."""
        request = self.request
        token = request.session.get("invitation_token")
        invitation = selectors.invitation_by_token(token=token) if token else None
        if (
            invitation is not None
            and invitation.status == Invitation.Status.ACCEPTED
            and not request.user.is_authenticated
        ):
            # Accepted meanwhile, e.g. by the same person in another tab: the
            # account exists, so log in instead of "invitation required".
            messages.info(
                request,
                _("An account was just created with this invitation. Log in to continue."),
            )
            login = reverse("account_login")
            register = reverse("accounts:register", args=[invitation.conference.slug])
            return redirect(f"{login}?next={register}")
        return super().closed()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        token = self.request.session.get("invitation_token")
        kwargs["invitation"] = selectors.invitation_by_token(token=token) if token else None
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invitation = context["form"].invitation
        context["invitation"] = invitation
        context["conference"] = invitation.conference if invitation else None
        return context


signup = InvitationSignupView.as_view()
