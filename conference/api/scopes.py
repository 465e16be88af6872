"""
What a token may do: its scopes, and which staff role may hand each one out.

A token acts for the staff member who created it: at every request it keeps
only the scopes that person's current roles still allow, so taking away a
role (or the account) takes away that person's tokens too.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from conference.core.models import Role


class Scope(models.TextChoices):
    AGENDA_READ = "agenda:read", _("Read the agenda: rooms, tracks, sessions, releases")
    REGISTRATIONS_READ = "registrations:read", _("Read organisations and registrations")
    REGISTRATIONS_ID_DATA = (
        "registrations:id-data",
        _("Read registrations with their ID documents (security officers only)"),
    )
    INVITATIONS_WRITE = "invitations:write", _("Create, list, resend and revoke invitations")
    MEETINGS_READ = "meetings:read", _("Read B2B slots, tables and meetings")
    CHECKIN_WRITE = "checkin:write", _("Check badge holders in and list arrivals")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Register and manage webhook endpoints")


# The roles that may grant (and, at each request, must still hold) each scope.
GRANTED_BY = {
    Scope.AGENDA_READ: {Role.ORGANISER},
    Scope.REGISTRATIONS_READ: {Role.ORGANISER},
    Scope.REGISTRATIONS_ID_DATA: {Role.SECURITY},
    Scope.INVITATIONS_WRITE: {Role.ORGANISER},
    Scope.MEETINGS_READ: {Role.ORGANISER},
    # The protocol office's arrivals screen may be set up by check-in staff.
    Scope.CHECKIN_WRITE: {Role.ORGANISER, Role.CHECKIN},
    Scope.WEBHOOKS_MANAGE: {Role.ORGANISER},
}


def grantable(roles):
    """The scopes a holder of `roles` may give a token, in declaration order."""
    return [scope for scope in Scope if GRANTED_BY[scope] & set(roles)]


def effective(scopes, roles):
    """The part of `scopes` that `roles` still allow."""
    allowed = set(grantable(roles))
    return frozenset(scope for scope in scopes if scope in allowed)
