"""
The permission walk's world (tests/helpers/permission_walk.py): one of every
object the project's URLs point at, all belonging to the walk's delegate or
to staff. The `world` fixture (tests/conftest.py) builds it; to add an object
a new URL needs, add it in `World.__init__`.
"""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from b2b_meetings.matchmaking.images import image_prepare
from b2b_meetings.matchmaking.services import (
    delegate_profile_update,
    organisation_profile_update,
)
from b2b_meetings.models import MeetingProposal, MeetingSeat, Topic
from conference.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from conference.api.scopes import Scope
from conference.api.tokens import token_create
from conference.core.models import ExportPreset, Job, Role
from conference.portal.broadcasts.models import Broadcast
from conference.portal.exports import ExportParams
from conference.portal.exports.jobs import export_job_run, export_job_start
from sessions_app.models import SessionSpeaker
from sessions_app.services import schedule_publish, session_signup, speaker_save
from tests.factories import (
    HeartbeatFactory,
    InvitationFactory,
    MeetingFactory,
    MeetingRequestFactory,
    OutgoingEmailFactory,
    RegistrationFactory,
    RegistrationQuestionFactory,
    SessionFactory,
    answer_create,
)


def _png():
    """A small PNG upload (for the world's photo and logo)."""
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (15, 118, 110)).save(out, "PNG")
    return SimpleUploadedFile("walk.png", out.getvalue(), content_type="image/png")


class World:
    """The objects the URLs point at: all of them belong to `delegate` or to staff."""

    def __init__(self, conference, personas):
        self.conference = conference
        self.personas = personas
        delegate = personas["delegate"]
        self.registration = delegate.registration
        self.organisation = self.registration.organisation
        # Someone else, listed in the B2B directory, whom the delegate asked to meet.
        self.third = RegistrationFactory(
            conference=conference, approved=True, directory_consent=True
        )
        HeartbeatFactory(beat_at=timezone.now())
        self.invitation = InvitationFactory(
            conference=conference,
            email="walk.invitee@example.org",
            expires_at=timezone.now() + datetime.timedelta(days=10),
        )
        self.job = Job.objects.create(conference=conference, kind="invitations.send")
        self.email = OutgoingEmailFactory(conference=conference, recipient=delegate.email)
        self.session = SessionFactory(conference=conference, signup_required=True, capacity=10)
        # A speaker of that session whose photo is public (they agreed).
        self.speaker = speaker_save(
            conference=conference,
            data={"name": "Walk Speaker", "photo_consent": True},
            actor=personas["organiser"],
            photo=image_prepare(_png()),
        )
        SessionSpeaker.objects.create(session=self.session, speaker=self.speaker)
        schedule_publish(conference=conference, actor=personas["organiser"])
        self.signup = session_signup(registration=self.registration, session_id=self.session.pk)
        self.request = MeetingRequestFactory(
            conference=conference, requester=self.registration, target_registration=self.third
        )
        self.meeting = MeetingFactory(conference=conference)
        for registration in (self.registration, self.third):
            MeetingSeat.objects.create(
                meeting=self.meeting, registration=registration, slot=self.meeting.slot
            )
        self.preset = ExportPreset.objects.create(conference=conference, name="Catering")
        # A prepared export with its file (run here: the task waits for a commit).
        self.export_job = export_job_start(
            conference=conference,
            actor=personas["organiser"],
            fmt="xlsx",
            params=ExportParams(),
            roles={Role.ORGANISER},
        )
        export_job_run(job_id=self.export_job.pk)
        self.broadcast = Broadcast.objects.create(
            conference=conference,
            title="Walk",
            texts={"en": {"subject": "Hello {first_name}", "body": "See you at {venue}."}},
        )
        # A custom registration question the delegate answered.
        self.question = RegistrationQuestionFactory(conference=conference)
        answer_create(self.registration, self.question, "Walk answer")
        self.schedule_run = Job.objects.create(
            conference=conference, kind="b2b.schedule", status=Job.Status.DONE
        )
        # An organisers' proposal that the delegate and the third person meet.
        first, second = sorted((self.registration, self.third), key=lambda r: r.pk)
        self.proposal = MeetingProposal.objects.create(
            conference=conference, first=first, second=second
        )
        # Matchmaking: a topic, the delegate's photo and their organisation's logo.
        self.topic = Topic.objects.create(conference=conference, code="walk", label_en="Walk")
        self.profile = delegate_profile_update(
            registration=self.registration,
            actor=delegate,
            bio="",
            languages=["en"],
            topics=[self.topic],
            offers="",
            seeks="",
            photo=image_prepare(_png()),
        )
        organisation_profile_update(
            organisation=self.organisation,
            conference=conference,
            actor=delegate,
            values={},
            offered=[self.topic],
            sought=[],
            logo=image_prepare(_png(), crop=False),
        )
        # The API: an organiser's token, and a webhook endpoint with a failed message.
        self.api_token = token_create(
            conference=conference,
            actor=personas["organiser"],
            roles={Role.ORGANISER},
            name="Walk",
            scopes=[Scope.AGENDA_READ, Scope.REGISTRATIONS_READ],
        )[0]
        # Created directly: the service would resolve the host name (SSRF check).
        self.endpoint = WebhookEndpoint.objects.create(
            conference=conference,
            url="https://hooks.example.org/walk",
            event_types=["registration.approved"],
            secret="whsec_d2Fsaw==",
        )
        self.webhook_message = WebhookMessage.objects.create(
            endpoint=self.endpoint,
            event_type="registration.approved",
            resource=f"registration:{self.registration.pk}",
            payload={"type": "registration.approved", "data": {"id": self.registration.pk}},
            status=WebhookMessage.Status.FAILED,
            attempts=1,
            last_response_code=500,
        )
        WebhookAttempt.objects.create(
            message=self.webhook_message, duration_ms=12, response_code=500
        )
