"""
factory_boy factories for the portal's models.

Times are built in the conference's zone (Asia/Kolkata by default) on its
first day, so a test can say "09:30" and mean what a delegate would see.
"""

import datetime
import zoneinfo

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts.models import (
    Invitation,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    User,
)
from accounts.questions import answer_snapshot
from b2b_meetings.models import (
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Table,
)
from conference.core.models import (
    Conference,
    ConferenceRole,
    Heartbeat,
    Organisation,
    OrganisationKind,
    OutgoingEmail,
    Role,
    Room,
)
from sessions_app.models import Session, SessionSignup, Speaker, Track

TEST_PASSWORD = "test-pass-2026"


def local_time(conference, hour, minute=0, day=0):
    """An aware datetime at hh:mm on the conference's day `day`, in its zone."""
    date = conference.start_date + datetime.timedelta(days=day)
    return datetime.datetime.combine(
        date, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(conference.time_zone)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def email_verified(self, create, extracted, **kwargs):
        """A verified address, as an invitation sign-up leaves; `email_verified=False`: none."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def totp_activate(user):
    """Give `user` an authenticator app (TOTP), as staff must have; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


class ConferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conference

    name = factory.Sequence(lambda n: f"Battery and Critical Minerals Conference {n}")
    slug = factory.Sequence(lambda n: f"bcmec-{n}")
    venue = "Embassy, New Delhi"
    time_zone = "Asia/Kolkata"
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=1))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.RECYCLER
    country = "IN"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    conference = factory.SubFactory(ConferenceFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 100


class ConferenceRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConferenceRole

    user = factory.SubFactory(UserFactory)
    conference = factory.SubFactory(ConferenceFactory)
    role = Role.ORGANISER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    conference = factory.SubFactory(ConferenceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    status = Invitation.Status.SENT


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    class Params:
        approved = factory.Trait(status=Registration.Status.APPROVED)

    conference = factory.SubFactory(ConferenceFactory)
    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    job_title = "Director"
    status = Registration.Status.PENDING


class RegistrationQuestionFactory(factory.django.DjangoModelFactory):
    """An optional short-text question, read by organisers."""

    class Meta:
        model = RegistrationQuestion

    conference = factory.SubFactory(ConferenceFactory)
    kind = RegistrationQuestion.Kind.SHORT_TEXT
    label_en = factory.Sequence(lambda n: f"Question {n}")
    label_ja = factory.Sequence(lambda n: f"質問 {n}")
    position = factory.Sequence(lambda n: n)


def answer_create(registration, question, value):
    """An answer as the registration form saves it (with its snapshot), bypassing the form."""
    return RegistrationAnswer.objects.create(
        registration=registration, question=question, **answer_snapshot(question, value)
    )


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    conference = factory.SubFactory(ConferenceFactory)
    name = factory.Sequence(lambda n: f"Track {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    """A published panel at 09:30–10:30 conference time on the first day."""

    class Meta:
        model = Session

    conference = factory.SubFactory(ConferenceFactory)
    room = factory.SubFactory(RoomFactory, conference=factory.SelfAttribute("..conference"))
    title = factory.Sequence(lambda n: f"Session {n}")
    kind = Session.Kind.PANEL
    starts_at = factory.LazyAttribute(lambda o: local_time(o.conference, 9, 30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))
    published = True


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    conference = factory.SubFactory(ConferenceFactory)
    name = factory.Faker("name")


class SessionSignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionSignup

    session = factory.SubFactory(SessionFactory)
    registration = factory.SubFactory(
        RegistrationFactory, conference=factory.SelfAttribute("..session.conference")
    )
    status = SessionSignup.Status.CONFIRMED


class MeetingSlotFactory(factory.django.DjangoModelFactory):
    """Slots follow each other from 14:00 conference time, never overlapping."""

    class Meta:
        model = MeetingSlot

    class Params:
        index = factory.Sequence(lambda n: n)

    conference = factory.SubFactory(ConferenceFactory)
    starts_at = factory.LazyAttribute(
        lambda o: local_time(o.conference, 14) + datetime.timedelta(minutes=20 * o.index)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=20))


class TableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Table

    conference = factory.SubFactory(ConferenceFactory)
    room = factory.SubFactory(RoomFactory, conference=factory.SelfAttribute("..conference"))
    label = factory.Sequence(lambda n: f"T{n}")


class MeetingRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingRequest

    conference = factory.SubFactory(ConferenceFactory)
    requester = factory.SubFactory(
        RegistrationFactory, conference=factory.SelfAttribute("..conference"), approved=True
    )
    target_registration = factory.SubFactory(
        RegistrationFactory, conference=factory.SelfAttribute("..conference"), approved=True
    )
    target_organisation = None


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    conference = factory.SubFactory(ConferenceFactory)
    slot = factory.SubFactory(MeetingSlotFactory, conference=factory.SelfAttribute("..conference"))
    table = factory.SubFactory(TableFactory, conference=factory.SelfAttribute("..conference"))
    status = Meeting.Status.ACTIVE


class MeetingSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingSeat

    meeting = factory.SubFactory(MeetingFactory)
    registration = factory.SubFactory(
        RegistrationFactory, conference=factory.SelfAttribute("..meeting.conference")
    )
    slot = factory.SelfAttribute("meeting.slot")
    is_active = True


class OutgoingEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutgoingEmail

    recipient = factory.Sequence(lambda n: f"recipient{n}@example.org")
    from_email = "conference@example.org"
    subject = "Hello"
    body_text = "Hello."
    kind = "test"
    dedup_key = factory.Sequence(lambda n: f"test:{n}")


class HeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Heartbeat
        django_get_or_create = ["name"]

    name = "beat"
    beat_at = factory.LazyFunction(timezone.now)
