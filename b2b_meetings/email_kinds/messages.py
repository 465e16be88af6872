"""
The email of a message in a request's or meeting's thread
(`services/messages.py`), which organisers may reword.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from b2b_meetings.email_kinds.meetings import _REQUEST_PEOPLE, SAMPLES
from b2b_meetings.models import MeetingMessage
from b2b_meetings.services.notifications import person_label
from conference.core.email_templates import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_register,
    recipient_placeholders,
)


def _thread_url(conference, message):
    if message.meeting_id is not None:
        return settings.SITE_ROOT + message.meeting.get_absolute_url() + "#thread"
    return (
        settings.SITE_ROOT
        + reverse("b2b_meetings:request", args=[conference.slug, message.request_id])
        + "#thread"
    )


def _message_samples(conference):
    """Recent messages, each with a participant of its thread who did not write it."""
    messages = (
        MeetingMessage.objects.filter(conference=conference)
        .select_related(
            "conference",
            "author__user",
            "author__organisation",
            "meeting__conference",
            *(f"request__{name}" for name in _REQUEST_PEOPLE if name != "conference"),
        )
        .prefetch_related("meeting__seats__registration__user")
        .order_by("-created_at")[:SAMPLES]
    )
    found = []
    for message in messages:
        if message.meeting_id is not None:
            people = [seat.registration for seat in message.meeting.seats.all()]
        else:
            request = message.request
            people = [request.requester, request.responded_by, request.target_registration]
        registration = next(
            (p for p in people if p is not None and p.pk != message.author_id), None
        )
        if registration is None:
            continue
        found.append(
            Sample(
                label=f"{_author(message.author)} → {person_label(registration)}",
                context={
                    "user": registration.user,
                    "registration": registration,
                    "author": message.author,
                    "message": message,
                    "thread_url": _thread_url(conference, message),
                },
            )
        )
    return found


def _author(author):
    return person_label(author) if author is not None else _g("The organisers")


kind_register(
    EmailKind(
        "b2b.message",
        _("Message about a meeting"),
        "b2b_message",
        (
            *recipient_placeholders(),
            *conference_placeholders(),
            Placeholder(
                "author",
                _("Who wrote: name and organisation, or “The organisers”"),
                lambda c: _author(c.get("author")) if c.get("message") else "",
            ),
            Placeholder(
                "message",
                _("The message as written"),
                lambda c: getattr(c.get("message"), "body", ""),
            ),
            Placeholder(
                "thread_link",
                _("The link to read and answer the message on the portal"),
                lambda c: c.get("thread_url", ""),
                is_url=True,
            ),
        ),
        _message_samples,
        _(
            "Sent to the other participants of a meeting or request when someone writes "
            "in its thread."
        ),
    )
)
