"""
The agenda's emails organisers may reword (`conference.core.email_templates`),
registered from `SessionsAppConfig.ready`. Placeholders read the context the
sending code passes: for the reminder (`services/reminders.py`) and a place
from the waiting list (`services/signups.py`), the session as published (a
localised snapshot item) and the registration; for agenda changes
(`services/publishing.py`), the person's changed sessions of a release.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from conference.core.content import content_text
from conference.core.email_templates import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_register,
    recipient_placeholders,
)
from sessions_app import selectors
from sessions_app.models import ScheduleRelease, SessionSignup
from sessions_app.services.publishing import _localise_change

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
    room = content_text(session.get("room", ""))
    return ", ".join(part for part in (room, session.get("room_location")) if part)


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
                label=f"{user.display_name} <{user.email}> · {content_text(session['title'])}",
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


SESSION_PLACEHOLDERS = (
    *recipient_placeholders(),
    *conference_placeholders(),
    Placeholder(
        "session_title",
        _("The session's title"),
        lambda c: content_text(_session(c).get("title", "")),
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
)


def _plain(name, context):
    """One of the standard emails' parts as plain text (no HTML escaping)."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _changes(context):
    """One line per changed session, as the standard email lists them; the zone when times show."""
    changes = context.get("changes") or []
    lines = [
        f"- {content_text(change['title'])}: "
        + _plain("emails/session_part_change.txt", {"change": change})
        for change in changes
    ]
    if any(change["change"] == "moved" for change in changes):
        zone = context.get("time_zone") or getattr(context.get("conference"), "time_zone", "")
        lines.append(gettext("Times are local conference time (%(tz)s).") % {"tz": zone})
    return "\n".join(lines)


def _changed_samples(conference):
    """
    The people the latest release with changes told, with their changes; before
    any, people signed up for a published session, with an example move.
    """
    releases = ScheduleRelease.objects.filter(conference=conference).order_by("-number")
    release = next(
        (
            release
            for release in releases.only("pk", "number", "conference_id", "changes")[:10]
            if any(c["change"] in selectors.NOTIFIED_CHANGES for c in release.changes)
        ),
        None,
    )
    if release is None:
        return _example_changed_samples(conference)
    by_session = defaultdict(list)
    for change in release.changes:
        if change["change"] in selectors.NOTIFIED_CHANGES:
            by_session[change["session"]].append(change)
    signups = (
        SessionSignup.objects.filter(
            session_id__in=list(by_session),
            registration__status=Registration.Status.APPROVED,
        )
        .exclude(status=SessionSignup.Status.CANCELLED)
        .order_by("registration_id")
    )
    # A few people, each with all their changes (the list may hold thousands).
    chosen = list(signups.values_list("registration_id", flat=True).distinct()[:SAMPLES])
    people, changes = {}, defaultdict(list)
    for signup in (
        signups.filter(registration_id__in=chosen)
        .select_related("registration__user")
        .order_by("registration_id", "session__starts_at")
    ):
        people[signup.registration_id] = signup.registration
        changes[signup.registration_id] += [
            {**change, "signup_status": signup.status} for change in by_session[signup.session_id]
        ]
    label = gettext("release %(number)s") % {"number": release.number}
    return [
        _changed_sample(conference, registration, release, changes[pk], label)
        for pk, registration in people.items()
    ]


def _example_changed_samples(conference):
    """Before the agenda ever changed: a session of each sample person, moved by an hour."""
    found = []
    for sample in _reminder_samples(conference):
        session = sample.context["session"]
        hour = datetime.timedelta(hours=1)
        before = {
            "starts_at": session["starts_at"].isoformat(),
            "ends_at": session["ends_at"].isoformat(),
            "room": session.get("room", ""),
            "title": session["title"],
        }
        after = {
            **before,
            "starts_at": (session["starts_at"] + hour).isoformat(),
            "ends_at": (session["ends_at"] + hour).isoformat(),
        }
        change = {
            "session": session["id"],
            "title": session["title"],
            "change": "moved",
            "before": before,
            "after": after,
            "signup_status": SessionSignup.Status.CONFIRMED,
        }
        found.append(
            _changed_sample(
                conference,
                sample.context["registration"],
                None,
                [change],
                gettext("an example move"),
            )
        )
    return found


def _changed_sample(conference, registration, release, changes, label):
    user = registration.user
    return Sample(
        label=f"{user.display_name} <{user.email}> · {label}",
        context={
            "user": user,
            "registration": registration,
            "release": release,
            "changes": [_localise_change(change, conference.tz) for change in changes],
            "time_zone": conference.tz.key,
        },
    )


kind_register(
    EmailKind(
        "session.reminder",
        _("Session reminder"),
        "session_reminder",
        SESSION_PLACEHOLDERS,
        _reminder_samples,
        _("Sent before each session to the people signed up, at the conference's reminder times."),
    )
)
kind_register(
    EmailKind(
        "session.promoted",
        _("Place from the waiting list"),
        "session_promoted",
        SESSION_PLACEHOLDERS,
        _reminder_samples,
        _(
            "Sent when a place in a full session becomes free and goes to the first "
            "on its waiting list."
        ),
    )
)
kind_register(
    EmailKind(
        "session.changed",
        _("Agenda change"),
        "session_changed",
        (
            *recipient_placeholders(),
            *conference_placeholders(),
            Placeholder(
                "changes",
                _(
                    "The recipient's changed sessions, one per line: moved (with the conference's "
                    "time zone), new room, new title, cancelled or taken off the agenda"
                ),
                _changes,
            ),
            Placeholder(
                "my_schedule_link",
                _("The link to the recipient's schedule"),
                _my_schedule_link,
                is_url=True,
            ),
        ),
        _changed_samples,
        _(
            "Sent when the organisers publish the agenda, to each person signed up for a "
            "session that moved, changed room or title, or was cancelled."
        ),
    )
)
