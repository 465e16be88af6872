"""
The one permission helper. Every conference page goes through
`conference_view`, which loads the conference, works out who is asking and
refuses anyone without one of the required roles, on the server.
"""

from dataclasses import dataclass, field
from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from conference.core.content import content_fallback_set
from conference.core.models import Conference, ConferenceRole, Role

# Pseudo-roles, next to the staff roles of `Role`.
ANYONE = "anyone"
DELEGATE = "delegate"  # holds an approved registration
REGISTERED = "registered"  # holds any registration (pending, waitlisted, ...)
SIGNED_IN = "signed_in"  # any logged-in user; the view decides the rest

# Staff roles that see personal data, and so must log in with a second factor
# where the conference requires it (Conference.require_staff_mfa).
MFA_ROLES = frozenset({Role.ORGANISER, Role.SECURITY})


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

    @property
    def needs_mfa_setup(self):
        """True for an organiser or security officer who must, but cannot yet, use TOTP."""
        if not self.conference.require_staff_mfa or not (self.roles & MFA_ROLES):
            return False
        return not Authenticator.objects.filter(
            user=self.user, type=Authenticator.Type.TOTP
        ).exists()

    def has(self, role):
        if role == ANYONE:
            return True
        if role == SIGNED_IN:
            return self.user.is_authenticated
        if role == DELEGATE:
            return self.is_delegate
        if role == REGISTERED:
            return self.registration is not None
        return role in self.roles


def _role_list(user, conference_column):
    """
    An annotation: the roles `user` holds at the conference in
    `conference_column` of the outer query, joined by commas (or NULL). Raw
    SQL, one correlated subquery: five Exists() of the ORM cost ~2 ms to
    compile on every signed-in request, this costs nothing.
    """
    aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    table = connection.ops.quote_name(ConferenceRole._meta.db_table)
    # Only names of this code and a parameter: nothing from the request is spliced in.
    return RawSQL(  # noqa: S611
        f"SELECT {aggregate}(role, ',') FROM {table} "  # noqa: S608
        f"WHERE conference_id = {conference_column} AND user_id = %s",
        (user.pk,),
    )


def _column(model, name):
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)}.{quote(name)}"


def _roles(row):
    held = (row.role_list or "").split(",")
    return frozenset(role for role in Role.values if role in held)


def get_access(request, slug):
    """
    The conference of `slug` and what the requesting user may do there: one
    query for a user registered there (the registration brings the conference
    and the staff roles), two for staff without a registration. Texts missing
    in the viewer's language fall back to the conference's default from then on.
    """
    access = _access(request.user, slug)
    content_fallback_set(access.conference.default_content_language)
    return access


def _access(user, slug):
    if not user.is_authenticated:
        return Access(conference=get_object_or_404(Conference, slug=slug), user=user)
    registrations = user.registrations  # accounts' model, reached from the user
    registration = (
        registrations.select_related("conference", "organisation")
        .annotate(role_list=_role_list(user, _column(registrations.model, "conference_id")))
        .filter(conference__slug=slug)
        .first()
    )
    if registration is not None:
        return Access(
            conference=registration.conference,
            user=user,
            roles=_roles(registration),
            registration=registration,
        )
    conference = get_object_or_404(
        Conference.objects.annotate(role_list=_role_list(user, _column(Conference, "id"))),
        slug=slug,
    )
    return Access(conference=conference, user=user, roles=_roles(conference))


def conference_view(*allowed):
    """
    Decorate a view taking `slug`: the view runs with `request.access` set when
    the user holds one of `allowed`. Anonymous users are sent to log in;
    logged-in users without the role get 403. On any page that is not public,
    an organiser or security officer without the required second factor is
    sent to set one up first.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            access = get_access(request, slug)
            request.access = access
            if not any(access.has(role) for role in allowed):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if DELEGATE in allowed and not access.is_staff:
                    # A delegate's page, asked by someone not (yet) approved:
                    # say where their registration stands, not "your role".
                    return render(
                        request,
                        "conference/registration_needed.html",
                        {"conference": access.conference, "registration": access.registration},
                        status=403,
                    )
                raise PermissionDenied
            if ANYONE not in allowed and access.needs_mfa_setup:
                messages.warning(
                    request,
                    _(
                        "Organisers and security officers must use two-factor "
                        "authentication for %(conference)s. Set up an authenticator app "
                        "now, then return to the page you wanted."
                    )
                    % {"conference": access.conference.name},
                )
                return redirect("mfa_activate_totp")
            # Times on conference pages are shown in the conference's zone.
            with timezone.override(access.conference.tz):
                return view(request, access, *args, **kwargs)

        return wrapper

    return decorator
