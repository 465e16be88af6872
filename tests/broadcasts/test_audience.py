"""Each audience filter picks exactly the people it names, and filters combine with AND."""

import pytest

from conference.portal.broadcasts.audience import (
    Audience,
    audience_describe,
    audience_registrations,
)

pytestmark = pytest.mark.django_db


def names(conference, **filters):
    registrations = audience_registrations(conference=conference, audience=Audience(**filters))
    return sorted(r.user.family_name for r in registrations.select_related("user"))


def test_the_default_audience_is_every_approved_registration_of_this_conference(conference, people):
    assert names(conference) == ["Lee", "Mehta", "Sato"]


def test_no_status_ticked_means_every_status(conference, people):
    assert names(conference, status=[]) == ["Gone", "Ito", "Lee", "Mehta", "Sato"]


def test_approved_financiers(conference, people):
    assert names(conference, kind=["financier"]) == ["Lee"]
    assert names(conference, status=["approved", "pending"], kind=["financier"]) == ["Ito", "Lee"]


def test_country_and_value_chain(conference, people):
    assert names(conference, status=[], country=["JP"]) == ["Ito", "Sato"]
    assert names(conference, value_chain=["recycling", "finance"]) == ["Lee", "Mehta"]


def test_topic_matches_the_persons_own_profile_or_their_organisations_topics(conference, people):
    assert names(conference, topic=[people.offtake.pk]) == ["Lee", "Mehta"]


def test_signed_up_for_a_session(conference, people):
    assert names(conference, session=people.masterclass.pk) == ["Sato"]


def test_has_or_has_not_a_b2b_meeting(conference, people):
    assert names(conference, meetings="yes") == ["Mehta", "Sato"]
    assert names(conference, meetings="no") == ["Lee"]


def test_a_cancelled_meeting_does_not_count(conference, people):
    people.sato.meeting_seats.update(is_active=False)
    assert names(conference, meetings="yes") == ["Mehta"]


def test_checked_in_or_not(conference, people):
    assert names(conference, checked_in="yes") == ["Sato"]
    assert names(conference, checked_in="no") == ["Lee", "Mehta"]


def test_language_counts_people_who_chose_none_as_the_default_language(conference, people):
    assert names(conference, language=["ja"]) == ["Sato"]
    assert names(conference, language=["en"]) == ["Lee", "Mehta"]


def test_inactive_accounts_are_left_out(conference, people):
    people.lee.user.is_active = False
    people.lee.user.save()
    assert names(conference) == ["Mehta", "Sato"]


def test_an_audience_stored_by_an_older_version_with_unknown_keys_still_reads():
    audience = Audience.from_dict({"status": ["approved"], "vip": "yes"})
    assert audience.status == ["approved"]


def test_the_description_names_every_filter(conference, people):
    text = audience_describe(
        conference=conference,
        audience=Audience(
            kind=["financier"],
            topic=[people.offtake.pk],
            session=people.masterclass.pk,
            meetings="no",
            language=["ja"],
        ),
    )
    for part in ("Approved", "Financier", "Offtake", "Masterclass", "no B2B meeting", "Japanese"):
        assert part in text
