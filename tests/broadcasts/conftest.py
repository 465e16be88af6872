"""
Fixtures of the broadcast tests: people who differ in every way an audience
can filter (status, organisation kind, country, value chain, topic,
session, B2B meeting, check-in, language).
"""

from types import SimpleNamespace

import pytest

from b2b_meetings.models import DelegateProfile, OrganisationTopics, Topic
from conference.core.models import OrganisationKind, ValueChain
from tests.factories import (
    MeetingFactory,
    MeetingSeatFactory,
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    SessionSignupFactory,
    UserFactory,
    local_time,
)


@pytest.fixture
def people(conference):
    """
    - sato: approved, Japanese (language ja), OEM in Japan, in a B2B meeting,
      checked in, signed up for the masterclass;
    - mehta: approved, recycler in India (value chain recycling), seeks the
      topic "offtake" through her organisation, in the same meeting;
    - lee: approved financier in Australia (value chain finance), topic
      "offtake" on her own profile, no meeting;
    - ito: pending financier in Japan, Japanese;
    - gone: withdrawn OEM in the US.
    """
    offtake = Topic.objects.create(conference=conference, code="offtake", label_en="Offtake")
    toyota = OrganisationFactory(
        name="Toyota Tsusho", kind=OrganisationKind.OEM, country="JP", value_chain=ValueChain.OEM
    )
    lohum = OrganisationFactory(
        name="Lohum",
        kind=OrganisationKind.RECYCLER,
        country="IN",
        value_chain=ValueChain.RECYCLING,
    )
    jbic = OrganisationFactory(
        name="JBIC Sydney",
        kind=OrganisationKind.FINANCIER,
        country="AU",
        value_chain=ValueChain.FINANCE,
    )
    mizuho = OrganisationFactory(
        name="Mizuho", kind=OrganisationKind.FINANCIER, country="JP", value_chain=ValueChain.FINANCE
    )
    ford = OrganisationFactory(name="Ford", kind=OrganisationKind.OEM, country="US")

    def person(given, family, organisation, status, language="", **extra):
        return RegistrationFactory(
            conference=conference,
            user=UserFactory(given_name=given, family_name=family, language=language),
            organisation=organisation,
            status=status,
            **extra,
        )

    sato = person(
        "Hanako", "Sato", toyota, "approved", "ja", checked_in_at=local_time(conference, 9)
    )
    mehta = person("Priya", "Mehta", lohum, "approved", "en")
    lee = person("Grace", "Lee", jbic, "approved")
    ito = person("Ken", "Ito", mizuho, "pending", "ja")
    gone = person("Tom", "Gone", ford, "withdrawn")
    topics = OrganisationTopics.objects.create(conference=conference, organisation=lohum)
    topics.sought.add(offtake)
    DelegateProfile.objects.create(registration=lee).topics.add(offtake)
    meeting = MeetingFactory(conference=conference)
    MeetingSeatFactory(meeting=meeting, registration=sato)
    MeetingSeatFactory(meeting=meeting, registration=mehta)
    masterclass = SessionFactory(conference=conference, title="Masterclass", signup_required=True)
    SessionSignupFactory(session=masterclass, registration=sato)
    # Someone of another conference, who must never be reached.
    RegistrationFactory(status="approved")
    return SimpleNamespace(
        sato=sato,
        mehta=mehta,
        lee=lee,
        ito=ito,
        gone=gone,
        offtake=offtake,
        masterclass=masterclass,
    )
