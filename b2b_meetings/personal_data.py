"""The B2B sections of the delegate's data download (accounts.personal_data)."""

from django.db.models import Q
from django.dispatch import receiver

from accounts.personal_data import iso, personal_data_sections
from b2b_meetings.models import MeetingRequest, MeetingSeat


@receiver(personal_data_sections, dispatch_uid="b2b_meetings.meeting_requests")
def meeting_requests(sender, *, registration, **kwargs):
    """The meeting requests the person sent or received, in any status."""
    if registration is None:
        return "meeting_requests", []
    meeting_requests = MeetingRequest.objects.filter(
        Q(requester=registration) | Q(target_registration=registration)
    )
    return "meeting_requests", [
        {
            "direction": "sent" if meeting_request.requester_id == registration.pk else "received",
            "agenda": meeting_request.agenda,
            "status": meeting_request.status,
            "created_at": iso(meeting_request.created_at),
        }
        for meeting_request in meeting_requests
    ]


@receiver(personal_data_sections, dispatch_uid="b2b_meetings.meetings")
def meetings(sender, *, registration, **kwargs):
    """The meetings the person has a seat in, in any status."""
    if registration is None:
        return "meetings", []
    seats = MeetingSeat.objects.filter(registration=registration).select_related(
        "slot", "meeting__table"
    )
    return "meetings", [
        {
            "starts_at": iso(seat.slot.starts_at),
            "ends_at": iso(seat.slot.ends_at),
            "table": seat.meeting.table.label,
            "status": seat.meeting.status,
        }
        for seat in seats
    ]
