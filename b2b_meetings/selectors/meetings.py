"""
Meetings, read only by who may see them (closed door): participants see
their own, organisers every meeting of their conference.
"""

from django.db.models import Exists, OuterRef, Prefetch

from b2b_meetings.models import Meeting, MeetingFeedback, MeetingSeat


def meeting_list_for_registration(*, registration, include_cancelled=False):
    """
    The meetings `registration` sits in, with slot, table, room and the other
    participants prefetched (a fixed number of queries). Closed door: only
    meetings this person is a participant of.
    """
    meetings = Meeting.objects.filter(seats__registration=registration)
    if not include_cancelled:
        meetings = meetings.filter(status=Meeting.Status.ACTIVE)
    return (
        meetings.select_related("conference", "slot", "table__room")
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                ),
            )
        )
        .order_by("slot__starts_at")
        .distinct()
    )


def meeting_for_access(*, access, meeting_id):
    """
    A meeting of the conference that `access` may see: organisers see every
    meeting, delegates only their own. None otherwise (the view answers 404,
    so nobody learns that the meeting exists).
    """
    meetings = Meeting.objects.filter(conference=access.conference, pk=meeting_id)
    if not access.is_organiser:
        if access.registration is None:
            return None
        meetings = meetings.filter(
            Exists(
                MeetingSeat.objects.filter(meeting=OuterRef("pk"), registration=access.registration)
            )
        )
    return (
        meetings.select_related("slot", "table__room", "request", "created_by")
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=MeetingSeat.objects.select_related(
                    "registration__user", "registration__organisation"
                ).order_by("registration_id"),
            )
        )
        .first()
    )


def meeting_feedback_visible(*, access, meeting):
    """Feedback on a meeting: all of it for organisers, one's own for a participant."""
    feedback = MeetingFeedback.objects.filter(meeting=meeting).select_related("registration__user")
    if access.is_organiser:
        return list(feedback)
    if access.registration is None:
        return []
    return list(feedback.filter(registration=access.registration))
