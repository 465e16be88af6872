"""
An organiser rewords the invitation in Japanese in a real browser: the live
preview fills it in for a real invitee, a test arrives in their own inbox
with the Japanese subject, and once saved, a Japanese-language guest
invited from the invitations page gets that wording with their own link.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Invitation
from conference.core.models import EmailTemplate
from tests.factories import InvitationFactory

pytestmark = pytest.mark.e2e

SUBJECT = "【{conference}】{first_name} 様へのご招待"
BODY = (
    "{first_name} 様\n\n"
    "{conference} にご招待申し上げます。\n"
    "ご登録はこちらから: {invitation_link}\n"
    "リンクの有効期限: {link_valid_until}"
)
INVITE_LINK = re.compile(r"https?://[^\s\"'<>]+/invite/[\w-]+/")


def submit(page, locator):
    with page.expect_navigation():
        locator.click()


def subject(message):
    # The header is folded onto a second line (long, encoded): unfolding leaves a space.
    return str(message["Subject"]).strip()


def text_body(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def test_an_organiser_rewords_the_invitation_in_japanese_tests_it_and_invites_with_it(
    page, login, shot, e2e_conference, e2e_organiser, wait_for_email, e2e_server, browser_errors
):
    conference, slug = e2e_conference, e2e_conference.slug
    # A real invitee of the conference to preview with.
    InvitationFactory(
        conference=conference, email="kenji.sato@example.jp", name="Kenji Sato", language="ja"
    )

    login(page, e2e_organiser)
    page.goto(f"/events/{slug}/manage/emails/")
    expect(page.get_by_role("heading", name="Emails the portal sends")).to_be_visible()
    shot(page, "email-kinds")
    submit(page, page.locator(f"a[href='/events/{slug}/manage/emails/invitation/ja/']"))

    # Before anything is written, the preview shows the standard email.
    preview = page.locator("#email-preview")
    expect(preview).to_contain_text("The standard email (nothing written yet), for")
    expect(preview).to_contain_text("Kenji Sato <kenji.sato@example.jp>")
    shot(page, "editor")

    # The draft: the preview follows it for the sample invitee.
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Text").fill(BODY)
    expected_subject = f"【{conference.name}】Kenji Sato 様へのご招待"
    expect(preview.locator("[data-preview-subject]")).to_have_text(expected_subject)
    expect(preview).to_contain_text("Your wording, for")
    preview.locator("summary").click()
    text = preview.locator("[data-preview-text]")
    expect(text).to_contain_text("Kenji Sato 様")
    expect(text).to_contain_text(f"{conference.name} にご招待申し上げます。")
    # The sample's link is made up: a preview never hands out a real one.
    expect(text).to_contain_text("/invite/EXAMPLE-ONLY/")
    expect(text).to_contain_text(f"({conference.time_zone})")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.locator("body")).to_contain_text("ご登録はこちらから")
    expect(frame.locator("a[href$='/invite/EXAMPLE-ONLY/']")).to_have_count(1)
    shot(page, "preview")

    # A test to the organiser's own address, through the outbox and the worker.
    submit(page, page.get_by_role("button", name="Send a test to me"))
    expect(page.get_by_text(f"A test is on its way to {e2e_organiser.email}")).to_be_visible()
    test_mail = wait_for_email(e2e_organiser.email, subject_contains="様へのご招待")
    assert subject(test_mail) == expected_subject
    assert "Kenji Sato 様" in text_body(test_mail)
    shot(page, "test-sent")

    # The draft is still there after the test (it is not saved yet): save it.
    expect(page.get_by_label("Subject")).to_have_value(SUBJECT)
    submit(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_text("now uses this wording")).to_be_visible()
    saved = EmailTemplate.objects.get(conference=conference, kind="invitation", language="ja")
    assert (saved.subject, saved.body.replace("\r\n", "\n")) == (SUBJECT, BODY)
    expect(frame.locator("body")).to_contain_text("ご登録はこちらから")
    shot(page, "saved")

    # A Japanese-language guest invited from the invitations page gets the wording.
    page.goto(f"/events/{slug}/manage/invitations/")
    page.locator("#id_invite-email").fill("hanako.sato@example.jp")
    page.locator("#id_invite-name").fill("佐藤 花子")
    page.locator("#id_invite-language").select_option("ja")
    submit(page, page.get_by_role("button", name="Send invitation"))
    expect(page.get_by_text("Invitation queued for hanako.sato@example.jp.")).to_be_visible()
    shot(page, "invitations")

    guest_mail = wait_for_email("hanako.sato@example.jp")
    invitation = Invitation.objects.get(conference=conference, email="hanako.sato@example.jp")
    assert subject(guest_mail) == f"【{conference.name}】佐藤 花子 様へのご招待"
    body = text_body(guest_mail)
    assert body.startswith("佐藤 花子 様")
    assert INVITE_LINK.findall(body) == [f"{e2e_server.url}/invite/{invitation.token}/"]
    html = guest_mail.get_body(preferencelist=("html",)).get_content()
    assert f'href="{e2e_server.url}/invite/{invitation.token}/"' in html
    assert browser_errors == []
