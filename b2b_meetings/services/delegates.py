"""
What delegates keep for themselves: the slots they are not available in,
and their private feedback on a meeting.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from b2b_meetings.errors import B2BError
from b2b_meetings.models import Meeting, MeetingFeedback, MeetingSeat, MeetingSlot, Unavailability


def availability_set(*, registration, unavailable_slot_ids):
    """Replace the slots `registration` has marked unavailable."""
    with transaction.atomic():
        wanted = set(
            MeetingSlot.objects.filter(
                conference_id=registration.conference_id, pk__in=unavailable_slot_ids
            ).values_list("pk", flat=True)
        )
        current = set(
            Unavailability.objects.filter(registration=registration).values_list(
                "slot_id", flat=True
            )
        )
        Unavailability.objects.filter(
            registration=registration, slot_id__in=current - wanted
        ).delete()
        Unavailability.objects.bulk_create(
            [Unavailability(registration=registration, slot_id=pk) for pk in wanted - current],
            ignore_conflicts=True,
        )
    return wanted


def feedback_submit(*, meeting, registration, outcome, note=""):
    """
    A participant's private feedback on a meeting that has started (one per
    person; sending again replaces it). Only organisers read it.
    """
    with transaction.atomic():
        if not MeetingSeat.objects.filter(meeting=meeting, registration=registration).exists():
            raise B2BError(_("You are not in this meeting."))
        if meeting.status != Meeting.Status.ACTIVE:
            raise B2BError(_("This meeting was cancelled."))
        if meeting.slot.starts_at > timezone.now():
            raise B2BError(_("Feedback opens when the meeting starts."))
        feedback, _created = MeetingFeedback.objects.update_or_create(
            meeting=meeting,
            registration=registration,
            defaults={"outcome": outcome, "note": note.strip()[:2000]},
        )
    return feedback
