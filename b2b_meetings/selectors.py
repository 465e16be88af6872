"""Reads of the B2B meetings app, always scoped to who asks."""

from django.db.models import Prefetch

from b2b_meetings.models import Meeting, MeetingSeat


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
        meetings.select_related("slot", "table__room")
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
