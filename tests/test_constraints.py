"""
The invariants of DESIGN.md hold in the database itself.

Every test writes around the services (bulk_create, QuerySet.update or raw
SQL) so that only the constraint stands in the way. Each first makes a write
that is allowed and close to the forbidden one, so that a test fails if its
constraint is dropped or made too strict, then asserts that the forbidden
write raises IntegrityError naming the constraint.
"""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Invitation, Registration, User
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSeat, MeetingSlot
from conference.core.models import OutgoingEmail
from sessions_app.models import Session, SessionSignup
from tests.factories import (
    ConferenceFactory,
    InvitationFactory,
    MeetingFactory,
    MeetingRequestFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    OrganisationFactory,
    OutgoingEmailFactory,
    RegistrationFactory,
    SessionFactory,
    SessionSignupFactory,
    TableFactory,
    UserFactory,
    local_time,
)

pytestmark = pytest.mark.django_db


def refused_by(constraint):
    """Expects an IntegrityError naming `constraint`, from a write in its own savepoint."""
    return pytest.raises(IntegrityError, match=constraint)


def insert(model, *objs):
    """Insert rows without save(), full_clean() or any service."""
    with transaction.atomic():
        return model.objects.bulk_create(objs)


# B2B meetings ---------------------------------------------------------------------


def test_it_refuses_a_person_in_two_active_meetings_of_one_slot(conference, delegate):
    slot = MeetingSlotFactory(conference=conference)
    first, second = MeetingFactory.create_batch(2, conference=conference, slot=slot)
    insert(MeetingSeat, MeetingSeatFactory.build(meeting=first, registration=delegate.registration))

    with refused_by("seat_one_active_meeting_per_person_and_slot"):
        insert(
            MeetingSeat,
            MeetingSeatFactory.build(meeting=second, registration=delegate.registration),
        )


def test_it_allows_an_inactive_seat_beside_an_active_one(conference, delegate):
    slot = MeetingSlotFactory(conference=conference)
    first, second = MeetingFactory.create_batch(2, conference=conference, slot=slot)
    insert(MeetingSeat, MeetingSeatFactory.build(meeting=first, registration=delegate.registration))
    insert(
        MeetingSeat,
        MeetingSeatFactory.build(
            meeting=second, registration=delegate.registration, is_active=False
        ),
    )

    assert MeetingSeat.objects.filter(registration=delegate.registration, slot=slot).count() == 2
    with refused_by("seat_one_active_meeting_per_person_and_slot"), transaction.atomic():
        MeetingSeat.objects.filter(meeting=second).update(is_active=True)


def test_it_allows_one_person_in_active_meetings_of_different_slots(conference, delegate):
    first = MeetingFactory(conference=conference)
    second = MeetingFactory(conference=conference)
    assert first.slot != second.slot

    insert(
        MeetingSeat,
        MeetingSeatFactory.build(meeting=first, registration=delegate.registration),
        MeetingSeatFactory.build(meeting=second, registration=delegate.registration),
    )
    assert MeetingSeat.objects.filter(registration=delegate.registration).count() == 2


def test_it_refuses_two_active_meetings_at_one_table_in_one_slot(conference):
    slot = MeetingSlotFactory(conference=conference)
    table = TableFactory(conference=conference)
    insert(
        Meeting,
        MeetingFactory.build(
            conference=conference, slot=slot, table=table, status=Meeting.Status.CANCELLED
        ),
        MeetingFactory.build(conference=conference, slot=slot, table=table),
    )

    with refused_by("meeting_one_per_table_and_slot"):
        insert(Meeting, MeetingFactory.build(conference=conference, slot=slot, table=table))


def test_it_refuses_two_active_meetings_for_one_request(conference):
    request = MeetingRequestFactory(conference=conference, status=MeetingRequest.Status.ACCEPTED)
    first, second, third = MeetingSlotFactory.create_batch(3, conference=conference)
    table = TableFactory(conference=conference)
    insert(
        Meeting,
        MeetingFactory.build(
            conference=conference,
            request=request,
            slot=first,
            table=table,
            status=Meeting.Status.CANCELLED,
        ),
        MeetingFactory.build(conference=conference, request=request, slot=second, table=table),
    )

    with refused_by("meeting_one_active_per_request"):
        insert(
            Meeting,
            MeetingFactory.build(conference=conference, request=request, slot=third, table=table),
        )


def _slot(conference, hour, minute, minutes=20):
    starts_at = local_time(conference, hour, minute)
    return MeetingSlot(
        conference=conference,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
    )


def test_it_refuses_overlapping_meeting_slots_in_one_conference(conference):
    other_conference = ConferenceFactory(start_date=conference.start_date)
    insert(MeetingSlot, _slot(conference, 14, 0))
    # Back to back, and the same time at another conference: both fine.
    insert(MeetingSlot, _slot(conference, 14, 20), _slot(other_conference, 14, 0))

    with refused_by("slot_no_overlap"):
        insert(MeetingSlot, _slot(conference, 14, 10))
    with refused_by("slot_no_overlap"):
        insert(MeetingSlot, _slot(conference, 13, 0, minutes=120))
    assert MeetingSlot.objects.filter(conference=conference).count() == 2


def test_it_refuses_moving_a_slot_onto_another_with_raw_sql(conference):
    insert(MeetingSlot, _slot(conference, 14, 0), _slot(conference, 15, 0))
    later = MeetingSlot.objects.get(conference=conference, starts_at=local_time(conference, 15))
    table = MeetingSlot._meta.db_table
    move = f"UPDATE {table} SET starts_at = %s, ends_at = %s WHERE id = %s"

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            move, [local_time(conference, 14, 40), local_time(conference, 15, 0), later.pk]
        )
    with refused_by("slot_no_overlap"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            move, [local_time(conference, 14, 10), local_time(conference, 14, 30), later.pk]
        )


def test_it_refuses_a_slot_that_ends_before_it_starts(conference):
    with refused_by("slot_ends_after_it_starts"):
        insert(MeetingSlot, _slot(conference, 14, 0, minutes=-20))


def test_it_refuses_a_request_with_two_targets_or_none(conference, delegate, other_delegate):
    organisation = OrganisationFactory()
    requester = delegate.registration
    insert(
        MeetingRequest,
        MeetingRequestFactory.build(
            conference=conference,
            requester=requester,
            target_registration=other_delegate.registration,
        ),
        MeetingRequestFactory.build(
            conference=conference,
            requester=requester,
            target_registration=None,
            target_organisation=organisation,
        ),
    )

    with refused_by("request_has_one_target"):
        insert(
            MeetingRequest,
            MeetingRequestFactory.build(
                conference=conference,
                requester=requester,
                target_registration=other_delegate.registration,
                target_organisation=organisation,
                status=MeetingRequest.Status.DECLINED,
            ),
        )
    with refused_by("request_has_one_target"):
        insert(
            MeetingRequest,
            MeetingRequestFactory.build(
                conference=conference,
                requester=requester,
                target_registration=None,
                target_organisation=None,
            ),
        )


def test_it_refuses_a_request_to_oneself(conference, delegate, other_delegate):
    insert(
        MeetingRequest,
        MeetingRequestFactory.build(
            conference=conference,
            requester=delegate.registration,
            target_registration=other_delegate.registration,
        ),
    )

    with refused_by("request_not_to_self"):
        insert(
            MeetingRequest,
            MeetingRequestFactory.build(
                conference=conference,
                requester=delegate.registration,
                target_registration=delegate.registration,
            ),
        )


def test_it_refuses_a_second_pending_request_to_the_same_person(
    conference, delegate, other_delegate
):
    request = MeetingRequestFactory.build(
        conference=conference,
        requester=delegate.registration,
        target_registration=other_delegate.registration,
    )
    declined = MeetingRequestFactory.build(
        conference=conference,
        requester=delegate.registration,
        target_registration=other_delegate.registration,
        status=MeetingRequest.Status.DECLINED,
    )
    insert(MeetingRequest, request, declined)

    with refused_by("request_one_open_per_person"):
        insert(
            MeetingRequest,
            MeetingRequestFactory.build(
                conference=conference,
                requester=delegate.registration,
                target_registration=other_delegate.registration,
            ),
        )


# Sessions ---------------------------------------------------------------------------


def test_it_refuses_more_confirmed_signups_than_capacity_with_raw_sql(conference):
    session = SessionFactory(conference=conference, capacity=2)
    unlimited = SessionFactory(conference=conference, capacity=None)
    table = Session._meta.db_table
    set_taken = f"UPDATE {table} SET taken = %s WHERE id = %s"

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(set_taken, [2, session.pk])
        cursor.execute(set_taken, [500, unlimited.pk])
    with (
        refused_by("session_taken_within_capacity"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(set_taken, [3, session.pk])

    session.refresh_from_db()
    assert session.taken == 2


def test_it_refuses_lowering_capacity_below_the_confirmed_signups(conference):
    session = SessionFactory(conference=conference, capacity=10)
    Session.objects.filter(pk=session.pk).update(taken=5)
    with transaction.atomic():
        Session.objects.filter(pk=session.pk).update(capacity=5)

    with refused_by("session_taken_within_capacity"), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(capacity=4)


def test_it_refuses_a_second_live_signup_of_one_person(conference, delegate):
    session = SessionFactory(conference=conference)
    registration = delegate.registration
    insert(
        SessionSignup,
        SessionSignupFactory.build(
            session=session,
            registration=registration,
            status=SessionSignup.Status.CANCELLED,
        ),
        SessionSignupFactory.build(
            session=session,
            registration=registration,
            status=SessionSignup.Status.CANCELLED,
        ),
        SessionSignupFactory.build(session=session, registration=registration),
    )

    with refused_by("signup_one_live_per_person"):
        insert(
            SessionSignup,
            SessionSignupFactory.build(
                session=session,
                registration=registration,
                status=SessionSignup.Status.WAITLISTED,
            ),
        )


def test_it_refuses_a_session_that_ends_before_it_starts(conference):
    session = SessionFactory(conference=conference)

    with refused_by("session_ends_after_it_starts"), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(ends_at=session.starts_at)


# People -----------------------------------------------------------------------------


def test_it_refuses_a_second_registration_of_one_user(conference, delegate):
    other_conference = ConferenceFactory()
    insert(
        Registration,
        RegistrationFactory.build(conference=other_conference, user=delegate, organisation=None),
    )

    with refused_by("registration_one_per_conference"):
        insert(
            Registration,
            RegistrationFactory.build(
                conference=conference,
                user=delegate,
                organisation=delegate.registration.organisation,
                status=Registration.Status.WITHDRAWN,
            ),
        )


def test_it_refuses_a_second_live_invitation_whatever_the_case_of_the_email(conference):
    other_conference = ConferenceFactory()
    insert(
        Invitation,
        InvitationFactory.build(
            conference=conference, email="a@x.org", status=Invitation.Status.REVOKED
        ),
        InvitationFactory.build(
            conference=conference, email="A@x.org", status=Invitation.Status.EXPIRED
        ),
        InvitationFactory.build(conference=conference, email="a@x.org"),
        InvitationFactory.build(conference=other_conference, email="a@x.org"),
    )

    with refused_by("invitation_one_live_per_email"):
        insert(
            Invitation,
            InvitationFactory.build(
                conference=conference, email="A@x.org", status=Invitation.Status.QUEUED
            ),
        )
    with refused_by("invitation_one_live_per_email"), transaction.atomic():
        Invitation.objects.filter(conference=conference, status="revoked").update(status="opened")


def test_it_refuses_a_second_user_with_the_same_email_in_another_case():
    insert(User, UserFactory.build(email="a@x.org"), UserFactory.build(email="b@x.org"))

    with refused_by("user_email_unique_ci"):
        insert(User, UserFactory.build(email="A@X.org"))
    rename = f"UPDATE {User._meta.db_table} SET email = %s WHERE email = %s"
    with refused_by("user_email_unique_ci"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(rename, ["A@x.ORG", "b@x.org"])


# Outbox -------------------------------------------------------------------------------


def test_it_refuses_a_second_outbox_row_with_one_dedup_key():
    insert(
        OutgoingEmail,
        OutgoingEmailFactory.build(dedup_key="reminder:session:1:reg:1:60"),
        OutgoingEmailFactory.build(dedup_key="reminder:session:1:reg:1:1440"),
    )

    with refused_by("dedup_key"):
        insert(OutgoingEmail, OutgoingEmailFactory.build(dedup_key="reminder:session:1:reg:1:60"))
    assert OutgoingEmail.objects.count() == 2
