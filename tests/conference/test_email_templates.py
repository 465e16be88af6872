"""
Email wordings organisers edit (conference.core.email_templates): the kinds
the apps register, placeholders checked at save, escaping in the HTML part,
one-line subjects, the recipient's language only, versions, reset and
restore, and no query per email when nothing is reworded.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts
from accounts.models import Invitation, Registration
from conference.core import email_templates
from conference.core.email_templates import selectors, services
from conference.core.email_templates.rendering import Wording, wording_render
from conference.core.models import AuditLog, EmailTemplate, EmailTemplateVersion, OutgoingEmail
from conference.core.services import email_queue, email_queue_many
from tests.factories import InvitationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EVIL = ["<script>alert(1)</script>", "<a href=//evil.example>click</a>", 'Tom & "Jerry"']

KINDS = {
    "invitation",
    "invitation_reminder",
    "registration_pending",
    "registration_approved",
    "registration_waitlisted",
    "registration_rejected",
    "session.reminder",
    "b2b.b2b_request_received",
    "b2b.meeting_confirmed",
    "b2b.meeting_rescheduled",
    "b2b.meeting_cancelled",
    "b2b.meeting_reminder",
}


def kind(key):
    return email_templates.kind_get(key)


def save(conference, organiser, key="invitation", language="ja", subject=None, body=None):
    return services.email_template_save(
        conference=conference,
        kind=kind(key),
        language=language,
        subject=subject or "【{conference}】ご招待",
        body=body or "{name} 様\n\nご登録はこちら: {invitation_link}",
        actor=organiser,
    )


def invite(conference, organiser, language, name="Asha Rao", email=None):
    invitation = accounts.invitation_create(
        conference=conference,
        actor=organiser,
        email=email or f"asha-{language}@example.org",
        name=name,
        language=language,
    )
    return OutgoingEmail.objects.get(
        dedup_key=Invitation.email_dedup_key(invitation.pk, invitation.send_count)
    )


# The registry ------------------------------------------------------------------


def test_every_kind_of_the_issue_is_registered_with_its_default_and_placeholders():
    registered = {k.key: k for k in email_templates.kinds()}
    assert set(registered) >= KINDS
    for key in KINDS:
        found = registered[key]
        assert found.label and found.placeholders
        for suffix in ("_subject.txt", ".txt", ".html"):
            get_template(f"emails/{found.template}{suffix}")
        for placeholder in found.placeholders:
            assert placeholder.name.isidentifier() and str(placeholder.description)
        assert {"conference"} <= set(found.by_name)


def test_samples_are_real_people_of_the_conference(conference, organiser, delegate):
    InvitationFactory(conference=conference, name="Kenji Sato", email="kenji@example.org")
    InvitationFactory(email="elsewhere@example.org")  # another conference

    invitation_samples = kind("invitation").samples(conference)
    registration_samples = kind("registration_approved").samples(conference)

    assert [s.label for s in invitation_samples] == ["Kenji Sato <kenji@example.org>"]
    assert "EXAMPLE-ONLY" in invitation_samples[0].context["accept_url"]
    assert registration_samples[0].context["user"] == delegate
    subject, text, _html = wording_render(
        kind("registration_approved"),
        Wording("registration_approved", "{first_name}: {conference}", "{registration_link}"),
        {**registration_samples[0].context, "conference": conference},
    )
    assert subject == f"{delegate.given_name}: {conference.name}"
    assert text.endswith(f"/events/{conference.slug}/register/")


# Checked at save ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Hello {nmae}", "“{nmae}” is not a placeholder of this email."),
        ("{invitation.token}", "without “.” or “[ ]”"),
        ("{conference[0]}", "without “.” or “[ ]”"),
        ("{name!r}", "without “:” or “!”"),
        ("{name:>30}", "without “:” or “!”"),
        ("{}", "An empty “{}” is not a placeholder."),
        ("Hello {name", "A single “{” or “}” is not allowed"),
        ("Hello name}", "A single “{” or “}” is not allowed"),
        ("{% debug %}", "“{% debug %}” is not allowed"),
        ("{{ invitation.token }}", None),
    ],
)
def test_only_the_kinds_own_placeholders_are_accepted(conference, organiser, body, problem):
    if problem is None:
        # Doubled braces are literal braces, never template code.
        save(conference, organiser, body=body)
        email = invite(conference, organiser, "ja")
        assert email.body_text == "{ invitation.token }"
        return
    with pytest.raises(ValidationError) as refused:
        save(conference, organiser, body=body)
    messages = refused.value.message_dict["body"]
    assert any(problem in message for message in messages)
    assert messages[-1].startswith("Allowed placeholders: {name}, {conference}")
    assert "{invitation_link}" in messages[-1]
    assert not EmailTemplate.objects.exists()


def test_a_subject_with_a_line_break_is_refused(conference, organiser):
    with pytest.raises(ValidationError) as refused:
        save(conference, organiser, subject="Hello\r\nBcc: everyone@example.org")
    assert "The subject must be a single line." in refused.value.message_dict["subject"]


# Rendering -------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(KINDS))
def test_every_placeholder_value_is_escaped_in_html_and_plain_in_text(key, monkeypatch):
    found = kind(key)
    body = "\n".join("{" + p.name + "}" for p in found.placeholders) + "\nSee https://example.org"
    for evil in EVIL:
        monkeypatch.setattr(
            type(found), "values", lambda self, context, names, v=evil: dict.fromkeys(names, v)
        )
        subject, text, html = wording_render(found, Wording(key, "{conference}", body), {})
        assert text.count(evil) == len(found.placeholders)
        assert evil not in html
        assert (
            "<script" not in html and "<a href=//evil" not in html and "//evil.example>" not in html
        )
        assert '<a href="https://example.org" rel="nofollow">' in html
        assert subject == evil


def test_an_invitation_to_a_hostile_name_is_escaped_in_html_and_plain_in_text(
    conference, organiser
):
    save(conference, organiser, language="en", subject="Hi {name}", body="Dear {name},")
    email = invite(conference, organiser, "en", name='<a href=//evil.example>Asha</a> & "Co"')

    assert email.subject == 'Hi <a href=//evil.example>Asha</a> & "Co"'
    assert email.body_text == 'Dear <a href=//evil.example>Asha</a> & "Co",'
    assert "&lt;a href=//evil.example&gt;Asha&lt;/a&gt; &amp; &quot;Co&quot;" in email.body_html
    assert "<a href=//evil" not in email.body_html
    # The layout of the standard emails: the conference's name in the header.
    assert f"{conference.name}</td>" in email.body_html


def test_a_value_with_line_breaks_cannot_add_a_header_to_the_subject(conference, organiser):
    save(conference, organiser, language="en", subject="Invitation for {name}", body="{name}")
    invitation = InvitationFactory(conference=conference, name="Asha\r\nBcc: all@example.org\n")

    email = email_queue(
        recipient=invitation.email,
        template="invitation",
        context={"invitation": invitation, "accept_url": "https://x.example", "expires_label": ""},
        kind="invitation",
        dedup_key="test:header",
        conference=conference,
        language="en",
    )

    assert email.subject == "Invitation for Asha Bcc: all@example.org"
    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.body_text == "Asha\r\nBcc: all@example.org\n"


def test_links_are_links_and_paragraphs_are_paragraphs(conference, organiser):
    save(
        conference,
        organiser,
        language="en",
        subject="Welcome",
        body="Dear {name},\n\nRegister: {invitation_link}\nMore at https://example.org/faq",
    )
    email = invite(conference, organiser, "en")
    invitation = Invitation.objects.get(email="asha-en@example.org")

    assert "<p>Dear Asha Rao,</p>" in email.body_html
    assert f'<a href="http://testserver/invite/{invitation.token}/">' in email.body_html or (
        f"/invite/{invitation.token}/</a>" in email.body_html
    )
    assert '<a href="https://example.org/faq" rel="nofollow">' in email.body_html
    assert "<br>" in email.body_html


# Which wording goes out ----------------------------------------------------------------


def test_an_invitation_in_japanese_uses_the_japanese_wording_and_one_in_english_the_default(
    conference, organiser
):
    save(conference, organiser, language="ja")

    japanese = invite(conference, organiser, "ja", name="佐藤 健二")
    english = invite(conference, organiser, "en")

    assert japanese.subject == f"【{conference.name}】ご招待"
    assert japanese.body_text.startswith("佐藤 健二 様\n\nご登録はこちら: http")
    assert english.subject == f"Your invitation to {conference.name}"
    assert "You are invited to the" in english.body_text


def test_both_languages_can_be_reworded_separately(conference, organiser):
    save(conference, organiser, language="ja")
    save(conference, organiser, language="en", subject="Join us at {conference}", body="Hi {name}")

    assert invite(conference, organiser, "en").subject == f"Join us at {conference.name}"
    assert invite(conference, organiser, "ja").subject == f"【{conference.name}】ご招待"


def test_a_wording_is_used_by_its_own_conference_only(conference, organiser):
    from tests.factories import ConferenceFactory, ConferenceRoleFactory

    save(conference, organiser, language="en", subject="Custom", body="Custom")
    other = ConferenceFactory()
    other_organiser = ConferenceRoleFactory(conference=other, role="organiser").user

    assert invite(other, other_organiser, "en").subject == f"Your invitation to {other.name}"


def test_registration_emails_use_the_wording_of_their_status(conference, organiser):
    services.email_template_save(
        conference=conference,
        kind=kind("registration_approved"),
        language="en",
        subject="Welcome, {first_name}",
        body="See you at {conference}. {registration_link}",
        actor=organiser,
    )
    registration = RegistrationFactory(conference=conference, user__language="en")
    other = RegistrationFactory(conference=conference, user__language="en")

    accounts.registration_transition(
        registration=registration, to=Registration.Status.APPROVED, actor=organiser
    )
    accounts.registration_transition(
        registration=other, to=Registration.Status.WAITLISTED, actor=organiser
    )

    approved = OutgoingEmail.objects.get(kind="registration_approved")
    waitlisted = OutgoingEmail.objects.get(kind="registration_waitlisted")
    assert approved.subject == f"Welcome, {registration.user.given_name}"
    assert waitlisted.subject == f"You are on the waiting list: {conference.name}"


# Versions, reset, restore --------------------------------------------------------------


def test_every_save_is_a_version_and_audited_and_a_restore_saves_again(conference, organiser):
    save(conference, organiser, language="en", subject="First", body="One")
    save(conference, organiser, language="en", subject="Second", body="Two")
    first = EmailTemplateVersion.objects.get(subject="First")

    services.email_template_restore(
        conference=conference,
        kind=kind("invitation"),
        language="en",
        version=first,
        actor=organiser,
    )

    current = EmailTemplate.objects.get(conference=conference, kind="invitation", language="en")
    assert (current.subject, current.body) == ("First", "One")
    versions = selectors.email_template_versions(
        conference=conference, kind="invitation", language="en"
    )
    assert [v.subject for v in versions] == ["First", "Second", "First"]
    actions = list(
        AuditLog.objects.filter(action__startswith="email_template.")
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions == [
        ("email_template.save", organiser.pk),
        ("email_template.save", organiser.pk),
        ("email_template.restore", organiser.pk),
    ]
    assert invite(conference, organiser, "en").subject == "First"


def test_reset_brings_the_default_back_and_keeps_the_history(conference, organiser):
    save(conference, organiser, language="ja")
    assert invite(conference, organiser, "ja").subject == f"【{conference.name}】ご招待"

    assert services.email_template_reset(
        conference=conference, kind=kind("invitation"), language="ja", actor=organiser
    )

    email = invite(conference, organiser, "ja", email="kenji@example.org")
    assert not email.subject.startswith("【") and conference.name in email.subject
    assert not EmailTemplate.objects.exists()
    assert EmailTemplateVersion.objects.count() == 1
    assert AuditLog.objects.filter(action="email_template.reset").count() == 1
    assert not services.email_template_reset(
        conference=conference, kind=kind("invitation"), language="ja", actor=organiser
    )


# Cost ----------------------------------------------------------------------------------------


def _wording_reads(queries):
    return [q["sql"] for q in queries if "conference_emailtemplate" in q["sql"]]


def test_outgoing_mail_reads_no_wording_when_the_conference_has_none(conference, organiser):
    invite(conference, organiser, "en", email="warm@example.org")  # fills the cache

    with CaptureQueriesContext(connection) as queries:
        for n in range(3):
            invite(conference, organiser, "ja", email=f"cold{n}@example.org")

    assert _wording_reads(queries.captured_queries) == []


def test_a_reworded_kind_is_read_once_per_email_and_once_per_bulk_send(conference, organiser):
    save(conference, organiser, language="ja")
    invite(conference, organiser, "en", email="warm@example.org")  # fills the cache
    invitations = [
        InvitationFactory(conference=conference, language="ja", name=f"Person {n}")
        for n in range(5)
    ]

    with CaptureQueriesContext(connection) as single:
        invite(conference, organiser, "ja")
    with CaptureQueriesContext(connection) as bulk:
        email_queue_many(
            conference=conference,
            messages=[
                {
                    "recipient": invitation.email,
                    "language": "ja",
                    "template": "invitation",
                    "context": {"invitation": invitation, "accept_url": "https://x.example"},
                    "kind": "invitation",
                    "dedup_key": f"test:bulk:{invitation.pk}",
                }
                for invitation in invitations
            ],
        )

    assert len(_wording_reads(single.captured_queries)) == 1
    assert len(_wording_reads(bulk.captured_queries)) == 1
    assert OutgoingEmail.objects.filter(dedup_key__startswith="test:bulk:").count() == 5
    assert set(
        OutgoingEmail.objects.filter(dedup_key__startswith="test:bulk:").values_list(
            "subject", flat=True
        )
    ) == {f"【{conference.name}】ご招待"}


def test_a_wording_saved_after_the_cache_was_filled_is_used_at_once(conference, organiser):
    invite(conference, organiser, "en", email="warm@example.org")
    assert selectors.overridden(conference_id=conference.pk) == set()

    save(conference, organiser, language="en", subject="Now", body="Now")

    assert selectors.overridden(conference_id=conference.pk) == {("invitation", "en")}
    assert invite(conference, organiser, "en").subject == "Now"


def test_a_booked_meeting_says_its_time_in_the_conferences_zone_in_each_language(
    conference, organiser
):
    from b2b_meetings import services as b2b
    from tests.factories import MeetingSlotFactory, TableFactory, local_time

    for language in ("en", "ja"):
        services.email_template_save(
            conference=conference,
            kind=kind("b2b.meeting_confirmed"),
            language=language,
            subject="{meeting_time}",
            body="{participants} · {meeting_place}",
            actor=organiser,
        )
    starts_at = local_time(conference, 14, 30)
    slot = MeetingSlotFactory(
        conference=conference,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
    )
    table = TableFactory(conference=conference, label="A1")
    english = RegistrationFactory(conference=conference, approved=True, user__language="en")
    japanese = RegistrationFactory(conference=conference, approved=True, user__language="ja")

    b2b.meeting_create(
        conference=conference, slot=slot, table=table, registrations=[english, japanese]
    )

    to_english = OutgoingEmail.objects.get(kind="b2b.meeting_confirmed", user=english.user)
    to_japanese = OutgoingEmail.objects.get(kind="b2b.meeting_confirmed", user=japanese.user)
    assert to_english.subject.endswith(", 14:30–15:00 (Asia/Kolkata)")
    assert to_japanese.subject.endswith("14:30–15:00 (Asia/Kolkata)")
    assert "年" in to_japanese.subject and "年" not in to_english.subject
    assert to_english.body_text.startswith(japanese.user.display_name)
    assert "Table A1" in to_english.body_text and to_english.ics  # the calendar file stays
