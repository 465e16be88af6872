"""
The message thread of a meeting request, or of a meeting booked without one
(a meeting from a request shares the request's thread, and two joined
requests share one thread).

Only the participants and the organisers read or write a thread. Each
message is emailed to the other participants through the outbox, in each
recipient's language, from the conference's sender: the email carries the
text and a link back, never anyone's address. Posting only inserts rows, so
people writing at once never lose a message; the rate limit counts what the
author wrote in the last minutes.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from b2b_meetings.errors import B2BError
from b2b_meetings.models import Meeting, MeetingMessage, MeetingRequest
from b2b_meetings.services.notifications import _meeting_participants
from b2b_meetings.services.requests import request_recipients
from conference.core.services import email_queue

# Rate limits per author, over all threads: (messages, within).
RATE_LIMITS = ((5, datetime.timedelta(minutes=1)), (40, datetime.timedelta(hours=1)))


def thread_participants(*, meeting_request=None, meeting=None):
    """
    The delegates of a thread: a meeting's seats; a request's requester and
    whom it is addressed to (an organisation's listed delegates while it is
    open, the colleague who answered once it is).
    """
    if meeting is not None:
        return _meeting_participants(meeting)
    people = [meeting_request.requester]
    if meeting_request.responded_by_id is not None:
        people.append(meeting_request.responded_by)
    else:
        people += request_recipients(meeting_request)
    seen = set()
    return [p for p in people if not (p.pk in seen or seen.add(p.pk))]


def _check_rate(user, now):
    for limit, within in RATE_LIMITS:
        recent = MeetingMessage.objects.filter(
            author_user=user, created_at__gt=now - within
        ).count()
        if recent >= limit:
            raise B2BError(
                _(
                    "You have sent many messages in a short time. "
                    "Please wait a little and try again."
                )
            )


def message_post(*, author_user, body, meeting_request=None, meeting=None, author=None):
    """
    Add a message to the thread of `meeting_request` or of `meeting` (a
    meeting from a request writes to the request's thread), as the delegate
    `author`, or as an organiser when `author` is None (the caller checked
    the role). A delegate must be a participant. The text is stripped and at
    most `MeetingMessage.MAX_LENGTH` characters; the author's rate limits
    apply. Each other participant gets one email through the outbox.
    """
    if (meeting_request is None) == (meeting is None):
        raise B2BError(_("A message belongs to one request or one meeting."))
    body = (body or "").strip()
    if not body:
        raise B2BError(_("Please write a message."))
    if len(body) > MeetingMessage.MAX_LENGTH:
        raise B2BError(
            _("A message can be at most %(n)s characters.") % {"n": MeetingMessage.MAX_LENGTH}
        )
    if meeting is not None and meeting.request_id is not None:
        meeting_request, meeting = meeting.request, None
    with transaction.atomic():
        now = timezone.now()
        if meeting is not None:
            meeting = Meeting.objects.select_related("conference", "slot", "table").get(
                pk=meeting.pk
            )
            conference = meeting.conference
        else:
            meeting_request = MeetingRequest.objects.select_related(
                "conference",
                "requester__user",
                "requester__organisation",
                "target_registration__user",
                "target_organisation",
                "responded_by__user",
            ).get(pk=meeting_request.pk)
            conference = meeting_request.conference
        participants = thread_participants(meeting_request=meeting_request, meeting=meeting)
        if author is not None and author.pk not in {p.pk for p in participants}:
            raise B2BError(_("Only the participants can write here."))
        _check_rate(author_user, now)
        message = MeetingMessage.objects.create(
            conference=conference,
            request=meeting_request,
            meeting=meeting,
            author=author,
            author_user=author_user,
            body=body,
            created_at=now,
        )
        url = (
            settings.SITE_ROOT
            + (
                meeting.get_absolute_url()
                if meeting is not None
                else _request_url(conference, meeting_request)
            )
            + "#thread"
        )
        for person in participants:
            if author is not None and person.pk == author.pk:
                continue
            with timezone.override(conference.tz):
                email_queue(
                    recipient=person.user.email,
                    template="b2b_message",
                    context={
                        "registration": person,
                        "author": author,
                        "message": message,
                        "thread_url": url,
                        "conference": conference,
                    },
                    kind="b2b.message",
                    dedup_key=f"b2b:message:{message.pk}:{person.pk}",
                    conference=conference,
                    user=person.user,
                )
    return message


def _request_url(conference, meeting_request):
    return reverse("b2b_meetings:request", args=[conference.slug, meeting_request.pk])
