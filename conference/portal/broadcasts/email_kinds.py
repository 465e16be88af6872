"""
The email a broadcast is sent as (`broadcast`), which organisers may reword
like any other (its frame: greeting, the message, the footer), and the
placeholders a broadcast's own text may use (`MESSAGE`, not an email kind
of its own: the message is checked against it at save).
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from conference.core.email_templates import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_register,
    recipient_placeholders,
)

SAMPLES = 5


def _organisation(context):
    registration = context.get("registration")
    return getattr(getattr(registration, "organisation", None), "name", "")


def portal_url(conference):
    return settings.SITE_ROOT + reverse("conference:home", args=[conference.slug])


MESSAGE_PLACEHOLDERS = (
    *recipient_placeholders(),
    *conference_placeholders(),
    Placeholder("organisation", _("The recipient's organisation (may be empty)"), _organisation),
    Placeholder(
        "portal_link",
        _("The link to the conference's page in the portal"),
        lambda c: c.get("portal_url", ""),
        is_url=True,
    ),
)

# What a broadcast's subject and text may contain, checked when it is saved.
MESSAGE = EmailKind(
    "broadcast.message",
    _("Broadcast message"),
    template="broadcast",
    placeholders=MESSAGE_PLACEHOLDERS,
    samples=lambda conference: [],
)


def _samples(conference):
    registrations = (
        Registration.objects.filter(conference=conference)
        .select_related("user", "organisation", "conference")
        .order_by("-created_at")[:SAMPLES]
    )
    url = portal_url(conference)
    return [
        Sample(
            label=f"{registration.user.display_name} <{registration.user.email}>",
            context={
                "user": registration.user,
                "registration": registration,
                "portal_url": url,
                "subject": _("(the broadcast's subject)"),
                "message": _("(the broadcast's text, filled in for this person)"),
            },
        )
        for registration in registrations
    ]


BROADCAST = kind_register(
    EmailKind(
        "broadcast",
        _("Broadcast"),
        template="broadcast",
        description=_(
            "The frame of every broadcast: what surrounds the organisers' message "
            "(greeting, sign-off, footer)."
        ),
        placeholders=(
            Placeholder("subject", _("The broadcast's subject"), lambda c: c.get("subject", "")),
            Placeholder(
                "message",
                _("The broadcast's text, filled in for the recipient"),
                lambda c: c.get("message", ""),
            ),
            *MESSAGE_PLACEHOLDERS,
        ),
        samples=_samples,
    )
)
