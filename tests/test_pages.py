"""The public pages, the role check on the staff dashboard, and the allauth entrance."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from conference.core.models import Role
from sessions_app.models import ScheduleRelease
from sessions_app.services import schedule_publish
from tests.factories import (
    TEST_PASSWORD,
    ConferenceFactory,
    ConferenceRoleFactory,
    SessionFactory,
    TrackFactory,
    local_time,
)

pytestmark = pytest.mark.django_db


def home_url(conference):
    return f"/events/{conference.slug}/"


def agenda_url(conference):
    return f"/events/{conference.slug}/agenda/"


def manage_url(conference):
    return f"/events/{conference.slug}/manage/"


# Home and agenda ------------------------------------------------------------------------


@pytest.fixture
def published_agenda(conference, organiser):
    """Two published sessions in Asia/Kolkata and one unpublished, then a release."""
    track = TrackFactory(conference=conference, name="Recycling and refining")
    opening = SessionFactory(
        conference=conference,
        track=track,
        title="Securing anchor off-takers",
        starts_at=local_time(conference, 9, 30),
        ends_at=local_time(conference, 10, 45),
    )
    panel = SessionFactory(
        conference=conference,
        title="Bankability of recycling plants",
        starts_at=local_time(conference, 14, 0, day=1),
        ends_at=local_time(conference, 15, 15, day=1),
    )
    draft = SessionFactory(conference=conference, title="Draft: joint R&D", published=False)
    release = schedule_publish(conference=conference, actor=organiser)
    # A fixed publication time (shown on the page) that no assertion below can match.
    ScheduleRelease.objects.filter(pk=release.pk).update(
        published_at=local_time(conference, 12, 1, day=-7)
    )
    return opening, panel, draft


def test_it_shows_the_home_page_to_anyone(client, conference, published_agenda):
    response = client.get(home_url(conference))

    assert response.status_code == 200
    assert conference.name in response.content.decode()
    assert response.context["session_count"] == 2
    assert response.context["tracks"] == ["Recycling and refining"]


def test_it_shows_the_published_agenda_in_conference_time(client, conference, published_agenda):
    response = client.get(agenda_url(conference))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Securing anchor off-takers" in html
    assert "Bankability of recycling plants" in html
    # 09:30 and 14:00 in Kolkata are 04:00 and 08:30 UTC.
    for shown in ("09:30", "10:45", "14:00", "15:15"):
        assert shown in html
    for utc in ("04:00", "05:15", "08:30", "09:45"):
        assert utc not in html
    assert "Asia/Kolkata" in html


def test_it_leaves_unpublished_sessions_off_the_agenda(client, conference, published_agenda):
    response = client.get(agenda_url(conference))

    assert "Draft: joint R&amp;D" not in response.content.decode()
    assert "Draft: joint R&D" not in response.content.decode()


def test_it_shows_the_agenda_as_released_not_the_working_copy(client, conference, published_agenda):
    opening, _panel, _draft = published_agenda
    opening.title = "Renamed but not yet published"
    opening.save()

    html = client.get(agenda_url(conference)).content.decode()

    assert "Securing anchor off-takers" in html
    assert "Renamed but not yet published" not in html


def test_it_shows_an_agenda_before_the_first_release(client, conference):
    SessionFactory(conference=conference, title="Not released yet")

    response = client.get(agenda_url(conference))

    assert response.status_code == 200
    assert "Not released yet" not in response.content.decode()


def _agenda_queries(client, sessions):
    conference = ConferenceFactory()
    organiser = User.objects.create_user(f"organiser-{conference.slug}@example.org")
    for i in range(sessions):
        SessionFactory(
            conference=conference,
            starts_at=local_time(conference, 8 + i % 10, 0, day=i % 2),
            ends_at=local_time(conference, 8 + i % 10, 45, day=i % 2),
        )
    schedule_publish(conference=conference, actor=organiser)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(agenda_url(conference))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_agenda_takes_as_many_queries_for_30_sessions_as_for_3(client):
    few = _agenda_queries(client, 3)
    many = _agenda_queries(client, 30)

    assert len(many) == len(few), "\n".join(many)


@pytest.mark.parametrize("url", [home_url, agenda_url, manage_url])
def test_it_answers_404_for_an_unknown_conference(client, organiser, url):
    client.force_login(organiser)
    unknown = ConferenceFactory.build(slug="no-such-conference")

    assert client.get(url(unknown)).status_code == 404


def test_a_missing_page_is_shown_in_the_portal_layout(client, organiser):
    client.force_login(organiser)

    response = client.get("/events/no-such-conference/")

    assert response.status_code == 404
    assert [t.name for t in response.templates][:1] == ["404.html"]
    assert b'id="main"' in response.content  # the layout, with its navigation
    assert b"Page not found" in response.content


def test_a_forbidden_page_is_shown_in_the_portal_layout(client, conference, delegate):
    client.force_login(delegate)

    response = client.get(manage_url(conference))

    assert response.status_code == 403
    assert b'id="main"' in response.content
    assert b"You cannot open this page" in response.content


def test_an_expired_form_says_so_and_that_nothing_was_saved(conference, delegate):
    client = Client(enforce_csrf_checks=True)
    client.force_login(delegate)

    response = client.post(manage_url(conference), {})

    assert response.status_code == 403
    assert b"This form has expired" in response.content


def test_the_server_error_page_needs_no_request():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html


def test_browsers_asking_for_favicon_ico_get_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith(".svg")


# The staff dashboard -------------------------------------------------------------------------


def test_the_dashboard_is_for_organisers(client, conference, organiser):
    client.force_login(organiser)

    response = client.get(manage_url(conference))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["delegate", "security_officer", "checkin_staff"])
def test_the_dashboard_is_forbidden_to_other_roles(client, conference, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(manage_url(conference)).status_code == 403


def test_the_dashboard_sends_an_organiser_without_a_second_factor_to_set_one_up(client, conference):
    organiser = ConferenceRoleFactory(conference=conference, role=Role.ORGANISER).user
    client.force_login(organiser)

    response = client.get(manage_url(conference))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_the_dashboard_is_forbidden_to_an_organiser_of_another_conference(client, organiser):
    other = ConferenceFactory()
    client.force_login(organiser)

    assert client.get(manage_url(other)).status_code == 403


def test_the_dashboard_sends_anonymous_users_to_log_in(client, conference):
    response = client.get(manage_url(conference))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={manage_url(conference)}"


# Accounts --------------------------------------------------------------------------------------


def test_signup_is_closed_without_an_invitation(client):
    response = client.get("/accounts/signup/")

    assert response.status_code == 200
    assert 'name="password1"' not in response.content.decode()


def test_signup_creates_no_account_without_an_invitation(client):
    users = User.objects.count()

    response = client.post(
        "/accounts/signup/",
        {
            "email": "gatecrasher@example.org",
            "password1": "a-long-passphrase-2026",
            "password2": "a-long-passphrase-2026",
        },
    )

    assert response.status_code == 200
    assert User.objects.count() == users
    assert not User.objects.filter(email__iexact="gatecrasher@example.org").exists()
    assert "_auth_user_id" not in client.session


def test_it_logs_in_with_email_and_password(client, delegate):
    response = client.post("/accounts/login/", {"login": delegate.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(delegate.pk)


def test_it_logs_in_whatever_the_case_of_the_email(client, delegate):
    response = client.post(
        "/accounts/login/", {"login": delegate.email.upper(), "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(delegate.pk)


def test_it_refuses_a_wrong_password(client, delegate):
    response = client.post("/accounts/login/", {"login": delegate.email, "password": "wrong"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
