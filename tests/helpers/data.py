"""
Data the tests of several apps build: a published agenda, B2B slots, listed
delegates, a delegate's registration details, a custom registration question,
B2B meetings and requests.
"""

import datetime

from accounts.models import RegistrationQuestion
from b2b_meetings import services as b2b_services
from conference.core.models import OrganisationKind
from sessions_app.services import schedule_publish
from tests.factories import (
    MeetingSlotFactory,
    OrganisationFactory,
    RegistrationFactory,
    RegistrationQuestionFactory,
    local_time,
)


def hours(n):
    return datetime.timedelta(hours=n)


def publish(conference, actor=None):
    """Publish the conference's working agenda as a new release."""
    return schedule_publish(conference=conference, actor=actor)


def make_slots(conference, count, *, hour=14, day=0, minutes=20):
    """`count` back-to-back slots from hh:00 conference time on day `day`."""
    start = local_time(conference, hour, day=day)
    return [
        MeetingSlotFactory(
            conference=conference,
            starts_at=start + datetime.timedelta(minutes=minutes * i),
            ends_at=start + datetime.timedelta(minutes=minutes * (i + 1)),
        )
        for i in range(count)
    ]


def listed(conference, kind=OrganisationKind.RECYCLER, organisation=None, **kwargs):
    """An approved delegate listed in the directory, at a fresh organisation of `kind`."""
    organisation = organisation or OrganisationFactory(kind=kind)
    kwargs.setdefault("directory_consent", True)
    kwargs.setdefault("status", "approved")
    return RegistrationFactory(conference=conference, organisation=organisation, **kwargs)


def registration_details(conference, organisation=None, **extra):
    """The keyword arguments of `registration_create` for Asha Menon, a complete registration."""
    return {
        "given_name": "Asha",
        "family_name": "Menon",
        "organisation": organisation,
        "job_title": "Director",
        "nationality": "IN",
        "id_document_type": "passport",
        "id_document_number": "Z1234567",
        "id_document_expiry": conference.end_date + datetime.timedelta(days=365),
        "dietary_needs": "vegetarian",
        "access_needs": "",
        "directory_consent": True,
        "directory_contact": "asha@example.org",
        **extra,
    }


def registration_form_data(conference, **extra):
    """The same registration as the registration form posts it, with a new organisation."""
    data = registration_details(conference)
    data.update(
        {
            "organisation": "",
            "new_organisation_name": "Asha Batteries",
            "new_organisation_kind": "recycler",
            "id_document_expiry": data["id_document_expiry"].isoformat(),
            "directory_consent": "on",
            "privacy_accepted": "on",
        }
    )
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


QUESTION_CHOICES = [
    {"key": "hotel", "en": "Hotel booking", "ja": "ホテル予約"},
    {"key": "visa", "en": "Visa letter", "ja": "ビザレター"},
    {"key": "car", "en": "Airport car", "ja": "空港送迎"},
]


def registration_question(conference, kind=RegistrationQuestion.Kind.SHORT_TEXT, **fields):
    """A custom registration question; a choice question gets QUESTION_CHOICES."""
    if kind in RegistrationQuestion.CHOICE_KINDS:
        fields.setdefault("choices", QUESTION_CHOICES)
    return RegistrationQuestionFactory(conference=conference, kind=kind, **fields)


def book_meeting(conference, slot, people, table=None, **kwargs):
    """A B2B meeting of `people` (registrations) in `slot`, booked as organisers book one."""
    return b2b_services.meeting_create(
        conference=conference, slot=slot, table=table, registrations=people, **kwargs
    )


def send_request(conference, requester, target=None, organisation=None, **kwargs):
    """A meeting request from `requester` to a delegate or an organisation."""
    kwargs.setdefault("agenda", "Joint pilot line")
    return b2b_services.request_create(
        conference=conference,
        requester=requester,
        target_registration=target,
        target_organisation=organisation,
        **kwargs,
    )
