"""
Every email the portal sends to delegates can be reworded: each kind the
sending code passes to the outbox is registered (conference.core.email_templates),
and for the kinds registered last, a Japanese wording is what the real
sending path writes, with hostile values escaped in HTML and kept on one
line in the subject. The samples the editor previews with are real people
and cost a few queries.
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Registration
from b2b_meetings import services as b2b
from b2b_meetings.matchmaking.models import MeetingProposal
from b2b_meetings.matchmaking.proposals import proposal_accept, proposal_create
from b2b_meetings.models import MeetingRequest, MeetingSlot
from b2b_meetings.scheduler import services as scheduler
from conference.core import email_templates
from conference.core.email_templates import services as wordings
from conference.core.email_templates.rendering import Wording, wording_render
from conference.core.models import OrganisationKind, OutgoingEmail
from conference.core.services import email_render
from sessions_app import services as sessions
from tests.factories import (
    MeetingFactory,
    MeetingRequestFactory,
    MeetingSeatFactory,
    MeetingSlotFactory,
    OrganisationFactory,
    RoomFactory,
    SessionFactory,
    TableFactory,
    local_time,
)
from tests.helpers import listed, publish

pytestmark = pytest.mark.django_db

# Every `kind` the apps pass to email_queue / email_queue_many (grep `kind=`
# and `"kind":` in accounts, sessions_app, b2b_meetings).
SENT_TO_DELEGATES = {
    "invitation",
    "invitation_reminder",
    "registration_pending",
    "registration_approved",
    "registration_waitlisted",
    "registration_rejected",
    "registration_withdrawn",
    "registration_deletion",
    "session.reminder",
    "session.promoted",
    "session.changed",
    "b2b.b2b_request_received",
    "b2b.b2b_request_accepted_to_schedule",
    "b2b.b2b_request_declined",
    "b2b.b2b_request_expired",
    "b2b.b2b_request_withdrawn",
    "b2b.meeting_confirmed",
    "b2b.meeting_rescheduled",
    "b2b.meeting_cancelled",
    "b2b.meeting_reminder",
    "b2b.meeting_feedback",
    "b2b.message",
    "b2b.schedule_committed",
    "b2b.b2b_proposal",
    "b2b.b2b_proposal_accepted",
}
# Not for organisers to reword: allauth's account mails (password reset,
# address confirmation) belong to no conference and are security mail; the
# webhook notice goes to the API integrator.
NOT_REWORDABLE_TEMPLATES = {"account_message", "webhook_disabled"}

EVIL_NAME = "<a href=//evil.example>x</a>\r\nBcc: x@evil.example"
EVIL_TITLE = "<script>alert(1)</script>\r\nBcc: x@evil.example"
ZONE = "(Asia/Kolkata)"


def kind(key):
    return email_templates.kind_get(key)


# The registry --------------------------------------------------------------------


def test_every_kind_sent_to_delegates_is_registered():
    registered = {k.key for k in email_templates.kinds()}
    assert SENT_TO_DELEGATES - registered == set()


def test_every_standard_email_is_a_registered_kind_or_knowingly_left_out():
    """A new emails/<name>_subject.txt without a kind fails here."""
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    standard = {path.name.removesuffix("_subject.txt") for path in folder.glob("*_subject.txt")}
    registered = {k.template for k in email_templates.kinds()}
    assert standard - registered - NOT_REWORDABLE_TEMPLATES == set()


@pytest.mark.parametrize("key", sorted(SENT_TO_DELEGATES))
@pytest.mark.parametrize("evil", [EVIL_NAME, EVIL_TITLE, 'Tom & "Jerry"'])
def test_every_placeholder_of_every_kind_is_escaped_in_html_and_one_line_in_the_subject(
    key, evil, monkeypatch
):
    found = kind(key)
    names = [p.name for p in found.placeholders]
    monkeypatch.setattr(
        type(found), "values", lambda self, context, wanted: dict.fromkeys(wanted, evil)
    )
    subject = " ".join("{" + name + "}" for name in names)
    body = "\n".join("{" + name + "}" for name in names)

    subject, text, html = wording_render(found, Wording(key, subject, body), {})

    assert "\r" not in subject and "\n" not in subject
    assert text.count(evil) == len(names)
    assert "<a href=//evil" not in html and "<script" not in html and '"Jerry"' not in html


# The sending paths of the kinds registered last -----------------------------------


class Cast:
    """The people of one sending path: `me` (Japanese) receives, `them` is hostile."""

    def __init__(self, conference, organiser):
        self.conference = conference
        self.organiser = organiser
        self.me = listed(conference, OrganisationKind.OEM, user__language="ja")
        self.them = listed(
            conference,
            OrganisationKind.FINANCIER,
            user__given_name=EVIL_NAME,
            user__family_name="Evil",
            user__language="en",
        )


def _evil_organisation(cast):
    organisation = cast.me.organisation
    organisation.name = f"{EVIL_NAME} {organisation.pk}"
    organisation.save()


def _withdraw(cast):
    _evil_organisation(cast)
    accounts.registration_transition(
        registration=cast.me,
        to=Registration.Status.WITHDRAWN,
        actor=cast.me.user,
        by_delegate=True,
    )


def _delete(cast):
    _evil_organisation(cast)
    accounts.registration_request_deletion(registration=cast.me, actor=cast.me.user)


def _promote(cast):
    session = SessionFactory(conference=cast.conference, title=EVIL_TITLE, capacity=1)
    publish(cast.conference)
    first = sessions.session_signup(registration=cast.them, session_id=session.pk)
    sessions.session_signup(registration=cast.me, session_id=session.pk)
    sessions.session_signup_cancel(signup=first)


def _change(cast):
    session = SessionFactory(conference=cast.conference, title=EVIL_TITLE)
    publish(cast.conference)
    sessions.session_signup(registration=cast.me, session_id=session.pk)
    starts_at = local_time(cast.conference, 11)
    sessions.session_move(
        session=session,
        room=session.room,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        actor=cast.organiser,
    )
    publish(cast.conference)


def _request(cast, **fields):
    return MeetingRequestFactory(
        conference=cast.conference,
        agenda="Long-term offtake",
        expires_at=timezone.now() + datetime.timedelta(hours=48),
        **fields,
    )


def _accept(cast):
    meeting_request = _request(cast, requester=cast.me, target_registration=cast.them)
    b2b.request_accept_to_schedule(meeting_request=meeting_request, responder=cast.them)


def _decline(cast):
    meeting_request = _request(cast, requester=cast.me, target_registration=cast.them)
    b2b.request_decline(meeting_request=meeting_request, responder=cast.them, reason="Too busy")


def _expire(cast):
    meeting_request = _request(cast, requester=cast.me, target_registration=cast.them)
    b2b.requests_expire(now=meeting_request.expires_at + datetime.timedelta(minutes=1))


def _withdraw_request(cast):
    meeting_request = _request(cast, requester=cast.them, target_registration=cast.me)
    b2b.request_withdraw(meeting_request=meeting_request, requester=cast.them)


def _meeting(cast):
    room = RoomFactory(conference=cast.conference)
    meeting = MeetingFactory(
        conference=cast.conference, table=TableFactory(conference=cast.conference, room=room)
    )
    for registration in (cast.me, cast.them):
        MeetingSeatFactory(meeting=meeting, registration=registration)
    return meeting


def _feedback(cast):
    meeting = _meeting(cast)
    b2b.meeting_feedback_requests_queue(now=meeting.slot.ends_at + datetime.timedelta(minutes=5))


def _message(cast):
    meeting = _meeting(cast)
    b2b.message_post(
        author_user=cast.them.user,
        author=cast.them,
        meeting=meeting,
        body="<script>alert(2)</script> Shall we bring our engineers?",
    )


def _commit(cast, capture):
    # After any slot another cast made (factory slots follow a global sequence).
    last = MeetingSlot.objects.filter(conference=cast.conference).order_by("-ends_at").first()
    start = last.ends_at if last else local_time(cast.conference, 14)
    for i in range(2):
        MeetingSlotFactory(
            conference=cast.conference,
            starts_at=start + datetime.timedelta(minutes=20 * i),
            ends_at=start + datetime.timedelta(minutes=20 * (i + 1)),
        )
    TableFactory(conference=cast.conference, room=RoomFactory(conference=cast.conference))
    _request(
        cast,
        requester=cast.me,
        target_registration=cast.them,
        status=MeetingRequest.Status.SCHEDULING,
    )
    with capture(execute=True):
        job = scheduler.schedule_start(
            conference=cast.conference, actor=cast.organiser, time_limit=10
        )
    job.refresh_from_db()
    scheduler.schedule_commit(job=job, actor=cast.organiser)


def _propose(cast):
    proposal_create(
        conference=cast.conference,
        first_id=cast.me.pk,
        second_id=cast.them.pk,
        note="Both work on <b>LFP</b> recycling",
        actor=cast.organiser,
    )


def _propose_and_accept(cast):
    _propose(cast)
    proposal = MeetingProposal.objects.get(first=cast.me)
    proposal_accept(proposal_id=proposal.pk, registration=cast.me)
    proposal_accept(proposal_id=proposal.pk, registration=cast.them)


# kind: (how to send it, the placeholder that carries a hostile value)
SENDERS = {
    "registration_withdrawn": (_withdraw, "organisation"),
    "registration_deletion": (_delete, "organisation"),
    "session.promoted": (_promote, "session_title"),
    "session.changed": (_change, "changes"),
    "b2b.b2b_request_accepted_to_schedule": (_accept, "responder"),
    "b2b.b2b_request_declined": (_decline, "responder"),
    "b2b.b2b_request_expired": (_expire, "requested"),
    "b2b.b2b_request_withdrawn": (_withdraw_request, "requester"),
    "b2b.meeting_feedback": (_feedback, "participants"),
    "b2b.message": (_message, "author"),
    "b2b.schedule_committed": (_commit, "meetings"),
    "b2b.b2b_proposal": (_propose, "other"),
    "b2b.b2b_proposal_accepted": (_propose_and_accept, "other"),
}


def send(key, cast, capture):
    sender, _hostile = SENDERS[key]
    if sender is _commit:
        sender(cast, capture)
    else:
        sender(cast)


def japanese_wording(conference, organiser, key):
    """Subject: the conference and the hostile placeholder; body: every placeholder, one a line."""
    found = kind(key)
    hostile = SENDERS[key][1]
    body = "{first_name} 様\n\n" + "\n".join(f"{p.name}: {{{p.name}}}" for p in found.placeholders)
    wordings.email_template_save(
        conference=conference,
        kind=found,
        language="ja",
        subject="【{conference}】お知らせ {" + hostile + "}",
        body=body,
        actor=organiser,
    )


def lines(text):
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


@pytest.mark.parametrize("key", sorted(SENDERS))
def test_the_sending_path_uses_the_japanese_wording_and_escapes_hostile_values(
    key, conference, organiser, django_capture_on_commit_callbacks
):
    japanese_wording(conference, organiser, key)
    cast = Cast(conference, organiser)

    send(key, cast, django_capture_on_commit_callbacks)

    email = OutgoingEmail.objects.get(kind=key, user=cast.me.user)
    # The subject: the wording, one line, the injected header flattened into it.
    assert email.subject.startswith(f"【{conference.name}】お知らせ ")
    assert "\r" not in email.subject and "\n" not in email.subject
    assert "Bcc: x@evil.example" in email.subject
    # The text: as written, values as they are.
    assert email.body_text.startswith(f"{cast.me.user.given_name} 様\n\n")
    values = lines(email.body_text)
    for placeholder in kind(key).placeholders:
        assert placeholder.name in values
        if placeholder.is_url:
            assert values[placeholder.name].startswith("http://")
    assert "<a href=//evil.example>x</a>" in email.body_text or (
        "<script>alert(1)</script>" in email.body_text
    )
    # The HTML: every value escaped.
    assert "<a href=//evil" not in email.body_html and "<script" not in email.body_html
    assert "&lt;a href=//evil.example&gt;x&lt;/a&gt;" in email.body_html or (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in email.body_html
    )
    assert "EXAMPLE-ONLY" not in email.body_text
    # Others in another language get the standard email.
    for other in OutgoingEmail.objects.filter(kind=key).exclude(user=cast.me.user):
        assert "お知らせ" not in other.subject
    # Whatever else the run sent is a registered kind too.
    sent = set(OutgoingEmail.objects.values_list("kind", flat=True))
    assert {k for k in sent if email_templates.kind_get(k) is None} == set()


def test_times_are_in_the_conferences_zone_with_its_name(
    conference, organiser, django_capture_on_commit_callbacks
):
    for key in ("session.promoted", "session.changed", "b2b.meeting_feedback"):
        japanese_wording(conference, organiser, key)
    wordings.email_template_save(
        conference=conference,
        kind=kind("b2b.schedule_committed"),
        language="ja",
        subject="{meeting_count}件",
        body="{meetings}",
        actor=organiser,
    )
    casts = {}
    for key in ("session.promoted", "session.changed", "b2b.meeting_feedback"):
        casts[key] = Cast(conference, organiser)
        send(key, casts[key], django_capture_on_commit_callbacks)
    cast = Cast(conference, organiser)
    send("b2b.schedule_committed", cast, django_capture_on_commit_callbacks)

    def text(key):
        return OutgoingEmail.objects.get(kind=key, user=casts[key].me.user).body_text

    assert lines(text("session.promoted"))["session_time"].endswith(f"09:30–10:30 {ZONE}")
    changed = text("session.changed")
    assert "09:30–10:30" in changed and "11:00–12:00" in changed and "Asia/Kolkata" in changed
    assert lines(text("b2b.meeting_feedback"))["meeting_time"].endswith(ZONE)
    schedule = OutgoingEmail.objects.get(kind="b2b.schedule_committed", user=cast.me.user)
    assert schedule.subject == "1件"
    assert schedule.body_text.startswith("- ") and ZONE in schedule.body_text
    assert "Evil" in schedule.body_text and schedule.ics  # the calendar file stays


def test_a_declined_request_names_the_responder_and_the_reason(conference, organiser):
    wordings.email_template_save(
        conference=conference,
        kind=kind("b2b.b2b_request_declined"),
        language="ja",
        subject="{responder}",
        body="{reason}\n{requested}\n{agenda}",
        actor=organiser,
    )
    cast = Cast(conference, organiser)
    _decline(cast)

    email = OutgoingEmail.objects.get(kind="b2b.b2b_request_declined")
    them = f"{EVIL_NAME} Evil ({cast.them.organisation.name})"
    assert email.subject == " ".join(them.split())
    assert email.body_text == f"Too busy\n{them}\nLong-term offtake"


# Samples ------------------------------------------------------------------------------

SAMPLE_QUERIES = 6


def test_every_kind_previews_with_real_people_in_a_few_queries(
    conference, organiser, django_capture_on_commit_callbacks
):
    from tests.factories import InvitationFactory

    InvitationFactory(conference=conference, name="Kenji Sato")
    for key in sorted(SENDERS):
        send(key, Cast(conference, organiser), django_capture_on_commit_callbacks)
    b2b.meeting_reminders_queue(now=timezone.now())
    people = {r.user.display_name for r in Registration.objects.filter(conference=conference)}
    OrganisationFactory()  # not of this conference

    for found in email_templates.kinds():
        if found.key == "broadcast":
            continue
        with CaptureQueriesContext(connection) as queries:
            samples = found.samples(conference)
        assert samples, found.key
        assert len(queries) <= SAMPLE_QUERIES, (found.key, [q["sql"] for q in queries])
        for sample in samples:
            if "user" in sample.context:
                assert sample.context["user"].display_name in people
            body = "\n".join("{" + p.name + "}" for p in found.placeholders)
            for standard, wording in ((True, None), (False, Wording(found.key, "x", body))):
                email = email_render(
                    recipient=organiser.email,
                    template=found.template,
                    context=sample.context,
                    kind=found.key,
                    conference=conference,
                    language="ja",
                    standard=standard,
                    wording=wording,
                )
                assert email.subject and email.body_text and email.body_html


def test_before_the_agenda_changed_the_change_email_previews_an_example_move(conference):
    session = SessionFactory(conference=conference, title="Securing anchor off-takers")
    publish(conference)
    me = listed(conference)
    sessions.session_signup(registration=me, session_id=session.pk)

    [sample] = kind("session.changed").samples(conference)

    assert sample.context["user"] == me.user
    assert sample.label.endswith("an example move")
    email = email_render(
        recipient="organiser@example.org",
        template="session_changed",
        context=sample.context,
        kind="session.changed",
        conference=conference,
        language="en",
        wording=Wording("session.changed", "x", "{changes}"),
    )
    assert email.body_text.startswith("- Securing anchor off-takers: moved from ")
    assert email.body_text.endswith("Times are local conference time (Asia/Kolkata).")
