"""
HTML email bodies: whatever a person typed (a name, an address, an agenda, a
job title, an organisation) arrives as text, never as live HTML in mail sent
from the conference's address. The account emails build their HTML from
allauth's plain-text templates, which turn autoescaping off; the portal's own
emails include text parts into HTML.
"""

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from b2b_meetings import services as b2b
from conference.core.models import OrganisationKind, OutgoingEmail
from tests.factories import TEST_PASSWORD, OrganisationFactory, TableFactory, UserFactory
from tests.helpers import listed, make_slots

pytestmark = pytest.mark.django_db

PAYLOAD = "<a href=//evil.example>Verify your badge</a>"
ESCAPED = "&lt;a href=//evil.example&gt;Verify your badge&lt;/a&gt;"
# A quoted local part may hold markup and still be a valid address (no spaces, though).
ADDRESS_PAYLOAD = '"<a/href=//evil.example>Verify</a>"@example.org'
LIVE_LINK = re.compile(r"<a[\s/]+href=/*evil\.example", re.IGNORECASE)
EMAILS_DIR = settings.BASE_DIR / "templates" / "emails"


def assert_shown_as_text(html, escaped=ESCAPED):
    assert not LIVE_LINK.search(html), html
    assert escaped in html


def fresh_client():
    n = uuid.uuid4().int
    return Client(REMOTE_ADDR=f"198.18.{n % 250}.{n // 250 % 250 + 1}")


# Account emails (allauth's text templates) -------------------------------------------


def test_a_display_name_with_markup_arrives_as_text_in_the_verification_mail():
    """An account made in the admin gets a verification link at its first login."""
    user = UserFactory(given_name=PAYLOAD, family_name="", email_verified=False)

    fresh_client().post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})

    email = OutgoingEmail.objects.get(kind="account:email_confirmation")
    assert PAYLOAD in email.body_text  # the text part says it as it is
    assert_shown_as_text(email.body_html)


def test_a_display_name_with_markup_arrives_as_text_in_the_password_reset_mail():
    """allauth's reset text names no one today; the name must stay text if it ever does."""
    user = UserFactory(given_name=PAYLOAD, family_name="")

    fresh_client().post(reverse("account_reset_password"), {"email": user.email})

    email = OutgoingEmail.objects.get(kind="account:password_reset_key")
    assert not LIVE_LINK.search(email.body_html)
    assert '<a href="http://testserver/accounts/password/reset/key/' in email.body_html


def test_an_address_typed_into_the_password_reset_form_arrives_as_text(settings):
    """The portal mails no unknown address; were it turned back on, the address stays text."""
    settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True

    fresh_client().post(reverse("account_reset_password"), {"email": ADDRESS_PAYLOAD})

    email = OutgoingEmail.objects.get(kind="account:unknown_account")
    assert_shown_as_text(email.body_html, "&lt;a/href=//evil.example&gt;verify&lt;/a&gt;")


def test_links_and_line_breaks_of_the_account_text_still_become_html():
    user = UserFactory()

    fresh_client().post(reverse("account_reset_password"), {"email": user.email})

    html = OutgoingEmail.objects.get(kind="account:password_reset_key").body_html
    assert re.search(r'<a href="http://testserver/accounts/password/reset/key/[^"]+" rel', html)
    assert "<br>" in html


# The portal's own emails (text parts included into HTML) -------------------------------


def test_what_delegates_type_arrives_as_text_in_every_b2b_email(conference):
    """Names, job titles, organisation names, agendas and decline reasons."""
    TableFactory(conference=conference)
    slots = make_slots(conference, 2)
    requester = listed(
        conference,
        organisation=OrganisationFactory(name=PAYLOAD, kind=OrganisationKind.RECYCLER),
        job_title=PAYLOAD,
        user=UserFactory(given_name=PAYLOAD, family_name=""),
    )
    targets = [listed(conference, OrganisationKind.OEM) for _n in range(3)]
    sent = [
        b2b.request_create(
            conference=conference, requester=requester, target_registration=t, agenda=PAYLOAD
        )
        for t in targets
    ]
    b2b.request_decline(meeting_request=sent[0], responder=targets[0], reason=PAYLOAD)
    b2b.request_withdraw(meeting_request=sent[1], requester=requester)
    b2b.request_accept(meeting_request=sent[2], responder=targets[2], slot=slots[0])

    emails = OutgoingEmail.objects.all()
    kinds = {email.kind for email in emails}
    assert kinds >= {
        "b2b.b2b_request_received",
        "b2b.b2b_request_declined",
        "b2b.b2b_request_withdrawn",
        "b2b.meeting_confirmed",
    }
    for email in emails:
        assert_shown_as_text(email.body_html)


def test_no_html_email_includes_a_text_part_that_turns_escaping_off():
    """
    A text part may turn autoescaping off (plain text needs no escaping); an
    HTML email that includes one would then carry what people typed as HTML.
    The one HTML email built from such text (allauth's) escapes it first.
    """
    include = re.compile(r'{%\s*include\s+"([^"]+)"')
    offenders = []
    for html in sorted(EMAILS_DIR.glob("*.html")):
        for name in include.findall(html.read_text()):
            part = settings.BASE_DIR / "templates" / name
            if "autoescape off" in part.read_text():
                offenders.append(f"{html.name} includes {name}")
    assert offenders == []

    account = (EMAILS_DIR / "account_message.html").read_text()
    assert re.search(r"{%\s*filter\s+force_escape\|", account)
