"""
The directory: organisations with delegates who consented to be listed, and
those delegates. Closed door: it reads registrations, never their meetings.
"""

from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Registration
from b2b_meetings.models import MeetingRequest
from b2b_meetings.rules import kind_pair_allowed
from conference.core.models import Organisation


def _listed(conference):
    """Registrations shown in the directory: approved and consenting."""
    return Registration.objects.filter(
        conference=conference,
        status=Registration.Status.APPROVED,
        directory_consent=True,
    )


def directory_organisations(*, conference, kind="", country="", q=""):
    """
    Organisations with at least one listed delegate at `conference`, with
    their number of listed delegates, filtered by kind, country and a search
    over name, description, offers and seeks.
    """
    listed = _listed(conference)
    organisations = Organisation.objects.filter(
        Exists(listed.filter(organisation=OuterRef("pk")))
    ).annotate(
        delegate_count=Count(
            "registrations",
            filter=Q(
                registrations__conference=conference,
                registrations__status=Registration.Status.APPROVED,
                registrations__directory_consent=True,
            ),
        )
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    if country:
        organisations = organisations.filter(country=country)
    if q:
        organisations = organisations.filter(
            Q(name__icontains=q)
            | Q(description__icontains=q)
            | Q(offers__icontains=q)
            | Q(seeks__icontains=q)
        )
    return organisations.order_by("name")


def directory_countries(*, conference):
    """Country codes of the organisations in the directory (for the filter)."""
    codes = (
        Organisation.objects.filter(Exists(_listed(conference).filter(organisation=OuterRef("pk"))))
        .exclude(country="")
        .values_list("country", flat=True)
        .distinct()
        .order_by("country")
    )
    return list(codes)


def directory_organisation(*, conference, organisation_id):
    """An organisation with a listed delegate at `conference`, or None."""
    return (
        Organisation.objects.filter(pk=organisation_id)
        .filter(Exists(_listed(conference).filter(organisation=OuterRef("pk"))))
        .first()
    )


def directory_delegates(*, conference, organisation):
    """An organisation's listed delegates: no schedules, only what they chose to show."""
    return (
        _listed(conference)
        .filter(organisation=organisation)
        .select_related("user", "organisation")
        .order_by("user__family_name", "user__given_name")
    )


def directory_delegate(*, conference, registration_id):
    """A listed delegate, or None."""
    return (
        _listed(conference)
        .filter(pk=registration_id)
        .select_related("user", "organisation")
        .first()
    )


def can_request(*, conference, requester, organisation):
    """Whether `requester` may send a request to (a delegate of) `organisation`."""
    if requester is None or not requester.is_approved:
        return False
    if requester.organisation_id == organisation.pk:
        return False
    own_kind = requester.organisation.kind if requester.organisation_id else None
    return kind_pair_allowed(conference, own_kind, organisation.kind)


def pending_request_targets(*, registration):
    """(delegate ids, organisation ids) `registration` has a pending request to."""
    rows = MeetingRequest.objects.filter(
        requester=registration, status=MeetingRequest.Status.PENDING
    ).values_list("target_registration_id", "target_organisation_id")
    people, organisations = set(), set()
    for person, organisation in rows:
        if person:
            people.add(person)
        if organisation:
            organisations.add(organisation)
    return people, organisations
