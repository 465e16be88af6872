"""
The session reminder organisers may reword (`conference.core.email_templates`),
registered from `SessionsAppConfig.ready`. Its placeholders read the context
`services/reminders.py` passes: the session as published (a localised
snapshot item), the registration and the reminder's offset.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
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
from sessions_app import selectors
from sessions_app.models import SessionSignup

SAMPLES = 5


def _session(context):
    return context.get("session") or {}


def _session_time(context):
    session = _session(context)
    if not session.get("starts_at"):
        return ""
    starts_at, ends_at = session["starts_at"], session["ends_at"]
    zone = getattr(context.get("conference"), "time_zone", "")
    day = formats.date_format(starts_at, gettext("l j F Y"))
    return f"{day}, {starts_at:%H:%M}–{ends_at:%H:%M} ({zone})"


def _session_room(context):
    session = _session(context)
    return ", ".join(part for part in (session.get("room"), session.get("room_location")) if part)


def _my_schedule_link(context):
    conference = context.get("conference")
    if conference is None:
        return ""
    return settings.SITE_ROOT + reverse("sessions_app:my_schedule", args=[conference.slug])


def _reminder_samples(conference):
    """Confirmed sign-ups of approved people for sessions of the published agenda."""
    release = selectors.release_latest(conference=conference)
    items = {}
    if release is not None:
        items = {item["id"]: item for item in selectors.agenda_items(release=release)}
    signups = (
        SessionSignup.objects.filter(
            registration__conference=conference,
            registration__status=Registration.Status.APPROVED,
            status=SessionSignup.Status.CONFIRMED,
            session_id__in=list(items),
        )
        .select_related("registration__user", "registration__conference")
        .order_by("session__starts_at", "pk")[:SAMPLES]
    )
    samples = []
    for signup in signups:
        session = selectors.session_localise(items[signup.session_id], conference.tz)
        user = signup.registration.user
        samples.append(
            Sample(
                label=f"{user.display_name} <{user.email}> · {session['title']}",
                context={
                    "user": user,
                    "registration": signup.registration,
                    "session": session,
                    "offset": 60,
                    "time_zone": conference.tz.key,
                },
            )
        )
    return samples


kind_register(
    EmailKind(
        "session.reminder",
        _("Session reminder"),
        "session_reminder",
        (
            *recipient_placeholders(),
            *conference_placeholders(),
            Placeholder(
                "session_title", _("The session's title"), lambda c: _session(c).get("title", "")
            ),
            Placeholder(
                "session_time",
                _("The session's day and time, with the conference's time zone"),
                _session_time,
            ),
            Placeholder("session_room", _("The session's room (may be empty)"), _session_room),
            Placeholder(
                "speakers",
                _("The session's speakers (may be empty)"),
                lambda c: ", ".join(s["name"] for s in _session(c).get("speakers", [])),
            ),
            Placeholder(
                "my_schedule_link",
                _("The link to the recipient's schedule, where they can cancel their place"),
                _my_schedule_link,
                is_url=True,
            ),
        ),
        _reminder_samples,
        _("Sent before each session to the people signed up, at the conference's reminder times."),
    )
)
