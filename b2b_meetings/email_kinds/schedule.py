"""
The email of a person's meetings in a committed schedule
(`scheduler/services/commit.py`), which organisers may reword.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from b2b_meetings.email_kinds.meetings import SAMPLES, _slot_time
from b2b_meetings.models import Meeting, MeetingSeat
from b2b_meetings.services.notifications import person_label
from conference.core.email_templates import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_register,
    recipient_placeholders,
)


def _schedule_line(line):
    meeting = line["meeting"]
    room = meeting.table.room
    place = ", ".join(
        part
        for part in (_g("Table %(table)s") % {"table": meeting.table.label}, str(room.name))
        if part
    )
    others = "; ".join(person_label(p) for p in line["others"])
    text = f"- {_slot_time(meeting.slot)} · {place} · {_g('with')} {others}"
    return text + (f" ({_g('moved')})" if line["moved"] else "")


def _schedule_samples(conference):
    """People with scheduled meetings, each with all their meetings (none shown as moved)."""
    seats = MeetingSeat.objects.filter(
        meeting__conference=conference, meeting__status=Meeting.Status.ACTIVE, is_active=True
    )
    chosen = list(
        seats.order_by("registration_id")
        .values_list("registration_id", flat=True)
        .distinct()[:SAMPLES]
    )
    by_person = {}
    for seat in (
        seats.filter(registration_id__in=chosen)
        .select_related(
            "registration__user",
            "registration__organisation",
            "meeting__slot",
            "meeting__table__room",
        )
        .prefetch_related(
            Prefetch(
                "meeting__seats",
                MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                ),
            )
        )
        .order_by("registration_id", "meeting__slot__starts_at")
    ):
        registration, meeting = seat.registration, seat.meeting
        meeting.conference = conference
        others = [
            s.registration for s in meeting.seats.all() if s.registration_id != seat.registration_id
        ]
        by_person.setdefault(registration.pk, (registration, []))[1].append(
            {
                "meeting": meeting,
                "moved": False,
                "others": others,
                "url": settings.SITE_ROOT + meeting.get_absolute_url(),
            }
        )
    url = settings.SITE_ROOT + reverse("sessions_app:my_schedule", args=[conference.slug])
    return [
        Sample(
            label=f"{person_label(registration)} · "
            + ngettext("%(n)s meeting", "%(n)s meetings", len(lines)) % {"n": len(lines)},
            context={
                "user": registration.user,
                "registration": registration,
                "lines": lines,
                "new_count": len(lines),
                "moved_count": 0,
                "time_zone": conference.time_zone,
                "meetings_url": url,
            },
        )
        for registration, lines in by_person.values()
    ]


kind_register(
    EmailKind(
        "b2b.schedule_committed",
        _("B2B schedule"),
        "b2b_schedule_committed",
        (
            *recipient_placeholders(),
            *conference_placeholders(),
            Placeholder(
                "meetings",
                _(
                    "The recipient's new and moved meetings, one per line: day and time with the "
                    "conference's time zone, table and room, the other participants"
                ),
                lambda c: "\n".join(_schedule_line(line) for line in c.get("lines", [])),
            ),
            Placeholder(
                "meeting_count",
                _("How many meetings the email lists"),
                lambda c: len(c.get("lines", [])),
            ),
            Placeholder(
                "my_schedule_link",
                _("The link to the recipient's schedule"),
                lambda c: c.get("meetings_url", ""),
                is_url=True,
            ),
        ),
        _schedule_samples,
        _(
            "Sent to each person with new or moved meetings when the organisers commit the "
            "auto-scheduler's plan, with a calendar file of them all."
        ),
    )
)
