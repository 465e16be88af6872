"""
A custom registration question in a real browser: the organiser adds a
required yes/no question, an invited delegate cannot register without
answering it (and loses nothing typed), answers it in Japanese, and the
organiser finds the answer on the registration page and in the XLSX export.
"""

import datetime
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.models import Invitation, Registration, RegistrationQuestion
from tests.e2e import personas
from tests.factories import InvitationFactory, OrganisationFactory

pytestmark = pytest.mark.e2e


def submit(page, locator):
    with page.expect_navigation():
        locator.click()


def test_a_required_question_is_asked_at_registration_and_exported(
    new_page, login, shot, e2e_conference, e2e_organiser, browser_errors, tmp_path
):
    conference, slug = e2e_conference, e2e_conference.slug
    OrganisationFactory(name="Lohum", confirmed=True)
    invitee = personas.user(given_name="Hanako", family_name="Sato", language="ja")
    InvitationFactory(
        conference=conference,
        email=invitee.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=invitee,
    )

    # The organiser adds the question.
    organiser = new_page()
    login(organiser, e2e_organiser.email, e2e_organiser.password)
    organiser.goto(f"/events/{slug}/manage/questions/")
    organiser.get_by_label("Kind").select_option(RegistrationQuestion.Kind.YES_NO)
    organiser.get_by_label("Question (English)").fill("Do you need a visa support letter?")
    organiser.get_by_label("Question (Japanese)").fill("ビザサポートレターが必要ですか？")
    organiser.get_by_label("Required").check()
    submit(organiser, organiser.get_by_role("button", name="Add the question"))
    expect(organiser.locator("main table")).to_contain_text("Do you need a visa support letter?")
    shot(organiser, "questions")
    question = RegistrationQuestion.objects.get(conference=conference)

    # The delegate, in Japanese, registers without answering, then answers.
    delegate = new_page()
    login(delegate, invitee.email, personas.TEST_PASSWORD)
    delegate.goto(f"/events/{slug}/register/")
    expect(delegate.locator("main")).to_contain_text("ビザサポートレターが必要ですか？")
    delegate.locator("#id_organisation").select_option(label="Lohum")
    delegate.locator("#id_job_title").fill("Head of sourcing")
    delegate.locator("#id_nationality").select_option("JP")
    delegate.locator("#id_id_document_type").select_option("passport")
    delegate.locator("#id_id_document_number").fill("TZ1234567")
    expiry = conference.end_date + datetime.timedelta(days=400)
    delegate.locator("#id_id_document_expiry").fill(expiry.isoformat())
    delegate.locator("#id_privacy_accepted").check()
    submit(delegate, delegate.locator("main form.registration-form button[type=submit]"))
    expect(delegate.locator(f"#id_q_{question.pk}_error")).to_be_visible()
    expect(delegate.locator("#id_job_title")).to_have_value("Head of sourcing")
    assert not Registration.objects.filter(user=invitee).exists()
    shot(delegate, "register-refused-ja")
    delegate.locator(f"input[name=q_{question.pk}][value=yes]").check()
    delegate.locator("#id_privacy_accepted").check()
    submit(delegate, delegate.locator("main form.registration-form button[type=submit]"))
    registration = Registration.objects.get(conference=conference, user=invitee)
    assert registration.answers.get().value is True
    shot(delegate, "registered-ja")

    # The organiser reads the answer and exports it.
    organiser.goto(f"/events/{slug}/manage/registrations/{registration.pk}/")
    answers = organiser.locator("section", has_text="Registration questions").last
    expect(answers).to_contain_text("Do you need a visa support letter?")
    expect(answers).to_contain_text("Yes")
    shot(organiser, "registration")
    organiser.goto(f"/events/{slug}/manage/exports/")
    organiser.get_by_label("Pending", exact=True).check()
    organiser.get_by_label("Do you need a visa support letter?").check()
    # The row count follows the choices (htmx): wait for it before downloading.
    expect(organiser.locator("#match-count")).to_contain_text("1")
    with organiser.expect_download() as download_info:
        organiser.get_by_role("button", name=re.compile("XLSX")).click()
    path = tmp_path / "attendees.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    column = rows[0].index("Do you need a visa support letter?")
    assert [row[column] for row in rows[1:]] == ["Yes"]
    assert browser_errors == [], browser_errors
