"""
Message threads, for the people allowed to read them: the caller has
already found the request or meeting through a selector scoped to who asks
(`request_for_access`, `meeting_for_access`), which is the check.
"""

from django.db.models import Q

from b2b_meetings.models import MeetingMessage


def _thread(thread_filter):
    return list(
        MeetingMessage.objects.filter(thread_filter)
        .select_related("author__user", "author__organisation", "author_user")
        .order_by("created_at", "pk")
    )


def _request_ids(meeting_request):
    # Two joined requests (people who asked each other) share one thread.
    return [pk for pk in (meeting_request.pk, meeting_request.linked_id) if pk is not None]


def thread_for_request(*, meeting_request):
    """The messages of a request's thread, oldest first (one query)."""
    return _thread(Q(request__in=_request_ids(meeting_request)))


def thread_for_meeting(*, meeting):
    """
    The messages of a meeting's thread, oldest first: its request's thread
    when it came from one (one query).
    """
    if meeting.request_id is None:
        return _thread(Q(meeting=meeting))
    return _thread(Q(meeting=meeting) | Q(request__in=_request_ids(meeting.request)))
