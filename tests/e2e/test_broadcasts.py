"""
A broadcast in a real browser: the organiser writes to the approved
financiers in English and Japanese, watches the recipient count follow the
filters, previews the Japanese text, sends a test to themselves, sends it,
and watches the progress bar reach every recipient. Each financier gets the
message once, in their own language; nobody else gets it.
"""

import pytest
from playwright.sync_api import expect

from conference.core.models import OrganisationKind
from conference.portal.broadcasts.models import Broadcast
from tests.factories import OrganisationFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.e2e

FINANCIERS = 12


def submit(page, locator):
    with page.expect_navigation():
        locator.click()


def test_a_broadcast_to_approved_financiers_runs_with_progress(
    new_page, login, shots, e2e_conference, e2e_organiser, browser_errors, wait_for_email, e2e_mail
):
    conference, slug = e2e_conference, e2e_conference.slug
    jbic = OrganisationFactory(name="JBIC", kind=OrganisationKind.FINANCIER, country="JP")
    ifc = OrganisationFactory(name="IFC", kind=OrganisationKind.FINANCIER, country="US")
    lohum = OrganisationFactory(name="Lohum", kind=OrganisationKind.RECYCLER, country="IN")
    financiers = []
    for n in range(FINANCIERS):
        japanese = n % 2 == 0
        financiers.append(
            RegistrationFactory(
                conference=conference,
                status="approved",
                organisation=jbic if japanese else ifc,
                user=UserFactory(
                    given_name=f"Fin{n}", family_name="Banker", language="ja" if japanese else "en"
                ),
            )
        )
    pending = RegistrationFactory(conference=conference, status="pending", organisation=ifc)
    recycler = RegistrationFactory(conference=conference, status="approved", organisation=lohum)

    page = new_page()
    login(page, e2e_organiser.email, e2e_organiser.password)
    page.goto(f"/events/{slug}/manage/broadcasts/")
    expect(page.locator("main")).to_contain_text("No broadcasts yet.")
    submit(page, page.get_by_role("link", name="New broadcast"))

    page.get_by_label("Title (for the organisers)").fill("Financiers' breakfast")
    page.get_by_label("Subject (English)").fill("Financiers' breakfast, {first_name}")
    page.get_by_label("Text (English)").fill(
        "Dear {name},\n\nJBIC and IFC host a breakfast at 8:00 on day two.\n{portal_link}"
    )
    page.get_by_label("Subject (Japanese)").fill("{first_name}様 金融機関朝食会のご案内")
    page.get_by_label("Text (Japanese)").fill("{name}様\n\n二日目8時より朝食会を開催します。")
    # Approved is ticked by default: every approved registration.
    count = page.locator("[data-recipient-count]")
    expect(count).to_have_attribute("data-recipient-count", str(FINANCIERS + 1))
    page.locator("input[name=kind][value=financier]").check()
    expect(count).to_have_attribute("data-recipient-count", str(FINANCIERS))
    preview_ja = page.locator("#broadcast-preview-ja")
    expect(preview_ja.locator("[data-preview-subject]")).to_contain_text("金融機関朝食会のご案内")
    shots(page, "compose")

    submit(page, page.get_by_role("button", name="Save draft"))
    expect(page.locator("main")).to_contain_text("Financier")
    broadcast = Broadcast.objects.get(conference=conference)

    # A test to oneself, in Japanese.
    test_section = page.locator("section", has_text="Send a test to me")
    submit(page, test_section.get_by_role("button", name="Japanese"))
    test = wait_for_email(e2e_organiser.email, "金融機関朝食会のご案内")
    assert "朝食会" in test.get_body(("plain",)).get_content()
    shots(page, "draft")

    # Send now (the page asks first).
    page.once("dialog", lambda dialog: dialog.accept())
    submit(page, page.locator("section", has_text="Send").get_by_role("button", name="Send"))
    bar = page.locator("#broadcast-bar")
    expect(bar).to_have_attribute("data-delivered", str(FINANCIERS), timeout=60_000)
    expect(page.locator("[data-stat=sent]")).to_have_text(str(FINANCIERS))
    shots(page, "delivered")

    for registration in financiers:
        japanese = registration.user.language == "ja"
        message = wait_for_email(
            registration.user.email,
            "金融機関朝食会のご案内" if japanese else "Financiers' breakfast",
        )
        assert registration.user.given_name in str(message["Subject"])
    delivered = [item["to"][0] for item in e2e_mail.messages]
    assert len(delivered) == FINANCIERS + 1  # and the test
    assert pending.user.email not in delivered and recycler.user.email not in delivered

    page.goto(f"/events/{slug}/manage/broadcasts/")
    row = page.locator("tr", has_text="Financiers' breakfast")
    expect(row).to_contain_text("Sent")
    expect(row.locator("td").nth(4)).to_have_text(str(FINANCIERS))
    shots(page, "list")
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    assert not shots.overflowing, shots.overflowing
    assert not browser_errors, browser_errors
