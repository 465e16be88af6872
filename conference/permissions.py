"""
The one permission helper. Every conference page goes through
`conference_view`, which loads the conference, works out who is asking and
refuses anyone without one of the required roles, on the server.
"""

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone

from conference.models import Conference, ConferenceRole, Role

# Pseudo-roles, next to the staff roles of `Role`.
ANYONE = "anyone"
DELEGATE = "delegate"  # holds an approved registration
REGISTERED = "registered"  # holds any registration (pending, waitlisted, ...)


@dataclass
class Access:
    conference: Conference
    user: object
    roles: frozenset = field(default_factory=frozenset)
    registration: object = None

    @property
    def is_organiser(self):
        return Role.ORGANISER in self.roles

    @property
    def is_security(self):
        return Role.SECURITY in self.roles

    @property
    def is_checkin(self):
        return Role.CHECKIN in self.roles

    @property
    def is_staff(self):
        return bool(self.roles)

    @property
    def is_delegate(self):
        return self.registration is not None and self.registration.is_approved

    def has(self, role):
        if role == ANYONE:
            return True
        if role == DELEGATE:
            return self.is_delegate
        if role == REGISTERED:
            return self.registration is not None
        return role in self.roles


def get_access(request, slug):
    """The conference of `slug` and what the requesting user may do there."""
    conference = get_object_or_404(Conference, slug=slug)
    user = request.user
    if not user.is_authenticated:
        return Access(conference=conference, user=user)
    roles = frozenset(
        ConferenceRole.objects.filter(conference=conference, user=user).values_list(
            "role", flat=True
        )
    )
    registration = (
        user.registrations.select_related("organisation").filter(conference=conference).first()
    )
    return Access(conference=conference, user=user, roles=roles, registration=registration)


def conference_view(*allowed):
    """
    Decorate a view taking `slug`: the view runs with `request.access` set when
    the user holds one of `allowed`. Anonymous users are sent to log in;
    logged-in users without the role get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            access = get_access(request, slug)
            request.access = access
            if not any(access.has(role) for role in allowed):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied
            # Times on conference pages are shown in the conference's zone.
            with timezone.override(access.conference.tz):
                return view(request, access, *args, **kwargs)

        return wrapper

    return decorator
