"""
Japanese in use: pages follow the browser, the language cookie and the
switcher; a signed-in person's choice is kept on their account, brought back
at login and used for the emails written to them; PDFs carry Japanese text.
"""

import io

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from accounts.models import Registration
from accounts.services import registration_transition
from conference.core.models import OrganisationKind, OutgoingEmail
from tests.factories import TEST_PASSWORD, OrganisationFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def home(conference):
    return f"/events/{conference.slug}/"


def signed_in(user, **headers):
    client = Client(**headers)
    client.force_login(user)
    return client


def switch(client, language, next_url="/"):
    client.get(next_url)  # sets the CSRF cookie, as the page with the switcher does
    return client.post(
        "/i18n/setlang/",
        {
            "language": language,
            "next": next_url,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )


def pdf_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# Pages ---------------------------------------------------------------------------------------


def test_a_browser_asking_for_japanese_gets_the_page_in_japanese(conference):
    response = Client(HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5").get(home(conference))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "概要" in html  # the "Overview" navigation link
    assert "プログラム" in html  # "Agenda"
    assert ">Overview<" not in html
    end = conference.end_date  # dates in the Japanese format too
    assert f"{end.year}年{end.month}月{end.day}日" in html


def test_the_language_cookie_wins_over_the_browser(conference):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[COOKIE] = "ja"

    html = client.get(home(conference)).content.decode()

    assert '<html lang="ja">' in html
    assert "ログイン" in html  # "Log in"


def test_english_stays_the_default(conference):
    html = Client().get(home(conference)).content.decode()

    assert '<html lang="en">' in html
    assert "Overview" in html


def test_the_switcher_is_a_post_form_naming_each_language_in_itself(conference):
    html = Client().get(home(conference)).content.decode()

    form = html[html.index('<form action="/i18n/setlang/"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<option value="ja" lang="ja">日本語</option>' in form
    assert '<option value="en" lang="en" selected>English</option>' in form
    assert 'type="submit"' in form


# The choice, kept on the user ----------------------------------------------------------------


def test_switching_language_signed_in_keeps_the_choice_on_the_account(conference, delegate):
    client = signed_in(delegate)

    response = switch(client, "ja", home(conference))

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "ja"
    delegate.refresh_from_db()
    assert delegate.language == "ja"
    assert '<html lang="ja">' in client.get(home(conference)).content.decode()


def test_switching_language_signed_out_only_sets_the_cookie(conference):
    client = Client()

    response = switch(client, "ja", home(conference))

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "ja"


def test_an_unknown_language_changes_nothing(conference, delegate):
    delegate.language = "en"
    delegate.save()
    client = signed_in(delegate)

    response = switch(client, "xx", home(conference))

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    delegate.refresh_from_db()
    assert delegate.language == "en"


def test_login_brings_back_the_language_the_person_chose(conference):
    user = UserFactory(language="ja")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "ja"
    assert '<html lang="ja">' in client.get(home(conference)).content.decode()


def test_first_login_remembers_the_language_the_person_browses_in(conference):
    user = UserFactory()
    assert user.language == ""
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")

    response = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "ja"


# Emails --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        (
            "ja",
            "参加登録が確定しました",
            "参加登録が確定しました。ご来場を心よりお待ちしております。",
        ),
        ("en", "Registration confirmed", "We look forward to welcoming you."),
    ],
)
def test_emails_are_written_in_the_recipients_language(
    conference, organiser, language, subject, phrase
):
    registration = RegistrationFactory(conference=conference, user=UserFactory(language=language))

    registration_transition(
        registration=registration, to=Registration.Status.APPROVED, actor=organiser
    )

    email = OutgoingEmail.objects.get(user=registration.user)
    assert email.subject.startswith(subject)
    assert conference.name in email.subject
    assert phrase in email.body_text
    assert phrase in email.body_html


# PDFs ----------------------------------------------------------------------------------------


@pytest.fixture
def sato(conference):
    """A Japanese delegate who shows her family name first."""
    user = UserFactory(given_name="花子", family_name="佐藤", family_name_first=True)
    organisation = OrganisationFactory(name="豊田通商", kind=OrganisationKind.OEM, country="JP")
    return RegistrationFactory(
        conference=conference, user=user, organisation=organisation, approved=True
    )


def test_attendee_pdf_in_japanese_has_japanese_headers_and_names(conference, organiser, sato):
    client = signed_in(organiser)
    client.cookies[COOKIE] = "ja"

    response = client.get(
        f"/events/{conference.slug}/manage/exports/attendees.pdf",
        {"columns": "name,organisation,status"},
    )

    assert response.status_code == 200
    text = pdf_text(response)
    assert "参加者リスト" in text  # "Attendee list"
    assert "氏名" in text and "組織" in text  # column headers
    assert "佐藤 花子" in text
    assert "豊田通商" in text
    assert "承認済み" in text  # the status, translated


def test_badge_carries_a_japanese_name_family_name_first(conference, organiser, sato):
    response = signed_in(organiser).get(f"/events/{conference.slug}/manage/exports/badges.pdf")

    assert response.status_code == 200
    text = pdf_text(response)
    assert "佐藤 花子" in text
    assert "豊田通商" in text
