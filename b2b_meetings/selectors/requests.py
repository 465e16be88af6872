"""
Meeting requests as one delegate sees them: sent, received in person, or
received by their organisation while they are listed.
"""

from django.db.models import Count, Q

from b2b_meetings.models import Meeting, MeetingRequest


def _request_related(queryset):
    return queryset.select_related(
        "requester__user",
        "requester__organisation",
        "target_registration__user",
        "target_registration__organisation",
        "target_organisation",
        "responded_by__user",
    )


def _incoming_filter(registration):
    mine = Q(target_registration=registration)
    if registration.organisation_id and registration.directory_consent:
        # Addressed to my organisation: open ones for everyone listed; once
        # answered, only the colleague who answered still sees it (who meets
        # whom stays between the two).
        mine |= Q(target_organisation_id=registration.organisation_id) & (
            Q(status=MeetingRequest.Status.PENDING) | Q(responded_by=registration)
        )
    return mine


def _with_proposed_count(queryset):
    return queryset.annotate(proposed_count=Count("proposed_slots"))


def request_list_incoming(*, registration):
    """Requests to `registration`, or to its organisation if it is listed."""
    return _with_proposed_count(
        _request_related(
            MeetingRequest.objects.filter(conference_id=registration.conference_id).filter(
                _incoming_filter(registration)
            )
        )
        .exclude(requester=registration)
        .order_by("-created_at")
    )


def request_list_outgoing(*, registration):
    return _with_proposed_count(
        _request_related(MeetingRequest.objects.filter(requester=registration))
    ).order_by("-created_at")


def request_for_registration(*, registration, request_id, related=True):
    """
    A request `registration` sent or may see as a recipient, or None. With
    `related` false the parties are not joined in (actions that only need
    to know the request is theirs).
    """
    requests = MeetingRequest.objects.filter(
        conference_id=registration.conference_id, pk=request_id
    ).filter(Q(requester=registration) | _incoming_filter(registration))
    if related:
        requests = _request_related(requests)
    return requests.first()


def meeting_for_request(*, meeting_request, registration):
    """The active meeting of an accepted request, if `registration` sits in it."""
    return (
        Meeting.objects.filter(
            request=meeting_request, status=Meeting.Status.ACTIVE, seats__registration=registration
        )
        .select_related("slot", "table__room")
        .first()
    )
