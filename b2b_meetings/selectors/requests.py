"""
Meeting requests as one delegate sees them: sent, received in person, or
received by their organisation while they are listed; and, for the
organisers, any request of their conference (read-only: they see it and its
thread, only its two sides answer it).
"""

from django.db.models import BooleanField, Case, Count, Q, Value, When

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


def request_for_access(*, access, request_id):
    """
    The request `access` may read, or None (the view answers 404, so nobody
    learns that it exists): one its delegate sent or may see as a recipient
    (`request_for_registration`), or, for an organiser, any request of the
    conference. Annotated with `is_party`: whether the delegate of `access`
    is one of its sides, which is what lets them answer it (one query).
    """
    me = access.registration if access.is_delegate else None
    party = (Q(requester=me) | _incoming_filter(me)) if me is not None else None
    requests = MeetingRequest.objects.filter(conference=access.conference, pk=request_id)
    if access.is_organiser:
        # When/default rather than the bare condition, which SQL makes NULL
        # (not false) for a request to an organisation or to a person.
        is_party = (
            Case(When(party, then=Value(True)), default=Value(False), output_field=BooleanField())
            if party is not None
            else Value(False)
        )
    elif party is not None:
        requests, is_party = requests.filter(party), Value(True)
    else:
        return None
    return _request_related(requests.annotate(is_party=is_party)).first()


def meeting_for_request(*, meeting_request, registration=None):
    """
    The active meeting of an accepted request, if `registration` sits in it;
    with no `registration` (organisers), whoever sits in it.
    """
    meetings = Meeting.objects.filter(request=meeting_request, status=Meeting.Status.ACTIVE)
    if registration is not None:
        meetings = meetings.filter(seats__registration=registration)
    return meetings.select_related("slot", "table__room").first()
