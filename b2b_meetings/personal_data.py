"""The B2B sections of the delegate's data download (accounts.personal_data)."""

from django.db.models import Q
from django.dispatch import receiver

from accounts.personal_data import iso, personal_data_sections
from b2b_meetings.models import MeetingMessage, MeetingRequest, MeetingSeat


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
            "priority": meeting_request.get_priority_display(),
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


@receiver(personal_data_sections, dispatch_uid="b2b_meetings.messages")
def messages(sender, *, registration, **kwargs):
    """The messages the person wrote in request and meeting threads."""
    if registration is None:
        return "meeting_messages", []
    written = MeetingMessage.objects.filter(author=registration).order_by("created_at")
    return "meeting_messages", [
        {
            "thread": f"request {message.request_id}"
            if message.request_id
            else f"meeting {message.meeting_id}",
            "body": message.body,
            "created_at": iso(message.created_at),
        }
        for message in written
    ]
