"""An invited address, freed for its invitee from accounts that do not hold it."""

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_noop

from accounts.models import User
from conference.core.services import audit_message, audit_record


def email_address_release(*, email):
    """
    Free `email` for the person whom an invitation to it proves to own it:
    other accounts' unverified copies of it are deleted, and an account that
    logs in with it without having verified it goes back to an address it
    did verify. An account that holds it (selectors.email_address_is_held)
    keeps it. Call under the invitation's lock, in the sign-up's transaction.
    """
    EmailAddress.objects.filter(email__iexact=email, verified=False).delete()
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    squatters = (
        User.objects.filter(email__iexact=email)
        .filter(Exists(verified))
        .exclude(Exists(verified.filter(email__iexact=email)))
    )
    for user in squatters:
        other_login = User.objects.filter(email__iexact=OuterRef("email")).exclude(pk=user.pk)
        fallback = (
            user.emailaddress_set.filter(verified=True)
            .exclude(Exists(other_login))
            .order_by("-primary", "pk")
            .first()
        )
        if fallback is None:
            continue
        EmailAddress.objects.filter(user=user).exclude(pk=fallback.pk).update(primary=False)
        EmailAddress.objects.filter(pk=fallback.pk).update(primary=True)
        User.objects.filter(pk=user.pk).update(email=fallback.email.lower())
        audit_record(
            actor=None,
            action="user.email_released",
            obj=user,
            summary=audit_message(
                gettext_noop(
                    "%(email)s went to its invitee; the account logs in with %(fallback)s"
                ),
                email=email,
                fallback=fallback.email,
            ),
        )
