"""
The invitation and registration emails organisers may reword
(`conference.core.email_templates`), registered from `AccountsConfig.ready`.
Each placeholder reads the context the sending code passes
(`services/invitations.py`, `services/registrations.py`).
"""

from django.conf import settings
from django.db.models import Case, F, When
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, Registration
from accounts.services.invitations import _expiry
from conference.core.email_templates import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_register,
    recipient_placeholders,
)

SAMPLES = 5


def _invitation(context):
    return context.get("invitation")


INVITATION_PLACEHOLDERS = (
    Placeholder(
        "name",
        _("The invited person's name, as the organisers entered it (may be empty)"),
        lambda c: getattr(_invitation(c), "name", ""),
    ),
    *conference_placeholders(),
    Placeholder(
        "invitation_link",
        _("The personal link to accept the invitation and register"),
        lambda c: c.get("accept_url", ""),
        is_url=True,
    ),
    Placeholder(
        "link_valid_until",
        _("Until when the link works, with the conference's time zone (may be empty)"),
        lambda c: (
            f"{c['expires_label']} ({c['conference'].time_zone})"
            if c.get("expires_label") and c.get("conference")
            else ""
        ),
    ),
    Placeholder(
        "role",
        _("What the person is invited as (delegate, speaker, …)"),
        lambda c: _invitation(c).get_role_display() if _invitation(c) else "",
    ),
    # As in the other emails, so one salutation fits all.
    Placeholder(
        "first_name",
        _(
            "The person's given name once they have an account; before that, the name as "
            "the organisers entered it, as {name}"
        ),
        lambda c: getattr(c.get("user"), "given_name", "") or getattr(_invitation(c), "name", ""),
    ),
)


def _invitation_samples(conference):
    """The latest invitations, with a made-up link: a preview must not hand out a real one."""
    invitations = (
        Invitation.objects.filter(conference=conference)
        .select_related("conference")
        .order_by("-created_at")[:SAMPLES]
    )
    link = settings.SITE_ROOT + reverse("invitation", args=["EXAMPLE-ONLY"])
    return [
        Sample(
            label=f"{invitation.name or invitation.email} <{invitation.email}>",
            context={
                "invitation": invitation,
                "accept_url": link,
                # Formatted when the preview renders, in the preview's language.
                "expires_label": lazy(_expires_label, str)(invitation),
            },
        )
        for invitation in invitations
    ]


def _expires_label(invitation):
    """
    When the invitation's link expires, as the invitation email says it; for
    one not sent yet, when it would if sent now.
    """
    expires_at = invitation.expires_at or _expiry(invitation.conference, timezone.now())
    local = timezone.localtime(expires_at, invitation.conference.tz)
    return formats.date_format(local, gettext("j F Y, H:i"))


def _registration(context):
    return context.get("registration")


REGISTRATION_PLACEHOLDERS = (
    *recipient_placeholders(),
    *conference_placeholders(),
    Placeholder(
        "organisation",
        _("The recipient's organisation (may be empty)"),
        lambda c: getattr(getattr(_registration(c), "organisation", None), "name", ""),
    ),
    Placeholder(
        "registration_link",
        _("The link to the recipient's registration page"),
        lambda c: c.get("register_url", ""),
        is_url=True,
    ),
)


def _registration_samples(status):
    def samples(conference):
        registrations = (
            Registration.objects.filter(conference=conference)
            .select_related("user", "organisation", "conference")
            # People in this kind's status first, then anyone.
            .order_by(Case(When(status=status, then=0), default=1), "-created_at")[:SAMPLES]
        )
        url = settings.SITE_ROOT + reverse("accounts:register", args=[conference.slug])
        return [
            Sample(
                label=f"{registration.user.display_name} <{registration.user.email}>",
                context={
                    "user": registration.user,
                    "registration": registration,
                    "previous": None,
                    "register_url": url,
                },
            )
            for registration in registrations
        ]

    return samples


kind_register(
    EmailKind(
        "invitation",
        _("Invitation"),
        "invitation",
        INVITATION_PLACEHOLDERS,
        _invitation_samples,
        _("Sent when an organiser invites someone, and on every resend."),
    )
)
kind_register(
    EmailKind(
        "invitation_reminder",
        _("Invitation reminder"),
        "invitation_reminder",
        INVITATION_PLACEHOLDERS,
        _invitation_samples,
        _("Sent once to invited people who have not registered a few days later."),
    )
)
for status, label, description in (
    (
        Registration.Status.PENDING,
        _("Registration received"),
        _("Sent when someone registers and the organisers have yet to decide."),
    ),
    (
        Registration.Status.APPROVED,
        _("Registration approved"),
        _("Sent when a registration is approved, also from the waiting list."),
    ),
    (
        Registration.Status.WAITLISTED,
        _("Registration on the waiting list"),
        _("Sent when a registration is put on the waiting list."),
    ),
    (
        Registration.Status.REJECTED,
        _("Registration rejected"),
        _("Sent when the organisers cannot offer a place."),
    ),
    (
        Registration.Status.WITHDRAWN,
        _("Registration withdrawn"),
        _("Sent when delegates withdraw their registration."),
    ),
):
    kind_register(
        EmailKind(
            f"registration_{status}",
            label,
            "registration_status",
            REGISTRATION_PLACEHOLDERS,
            _registration_samples(status),
            description,
        )
    )


def _deletion_samples(conference):
    """People who asked for their data to be deleted first, then anyone."""
    registrations = (
        Registration.objects.filter(conference=conference)
        .select_related("user", "organisation", "conference")
        .order_by(F("deletion_requested_at").desc(nulls_last=True), "-created_at")[:SAMPLES]
    )
    return [
        Sample(
            label=f"{registration.user.display_name} <{registration.user.email}>",
            context={"user": registration.user, "registration": registration},
        )
        for registration in registrations
    ]


kind_register(
    EmailKind(
        "registration_deletion",
        _("Deletion request received"),
        "registration_deletion",
        # The sending code passes no link: the data is about to go.
        tuple(p for p in REGISTRATION_PLACEHOLDERS if p.name != "registration_link"),
        _deletion_samples,
        _(
            "Sent when a delegate asks for their personal data to be deleted, "
            "to confirm the request was received."
        ),
    )
)
