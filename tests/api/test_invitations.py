"""
Invitations through the API: the organisers' services behind every write
(same refusals, same emails), audit entries named by the token, per-row
results in bulk, and `updated_at` written by every change so clients sync.
"""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Invitation
from conference.api.scopes import Scope
from conference.core.models import AuditLog, OrganisationKind, OutgoingEmail
from tests.api.client import ApiClient
from tests.factories import (
    InvitationFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(conference):
    return ApiClient.for_scopes(conference, Scope.INVITATIONS_WRITE, name="CRM sync")


def test_creating_an_invitation_emails_it_and_audits_it_under_the_token(api, conference):
    organisation = OrganisationFactory(name="Tata Capital", kind=OrganisationKind.FINANCIER)

    created = api.post_json(
        "invitations/",
        {
            "email": "Mei.Sato@Example.jp",
            "name": "Mei Sato",
            "organisation_id": organisation.pk,
            "language": "ja",
        },
        status=201,
    )

    invitation = Invitation.objects.get(pk=created["id"])
    assert created["email"] == "mei.sato@example.jp"
    assert created["status"] == "sent"
    assert created["role"] == "delegate"
    assert created["organisation"] == {
        "id": organisation.pk,
        "name": "Tata Capital",
        "kind": "financier",
    }
    assert invitation.language == "ja"
    assert OutgoingEmail.objects.filter(recipient="mei.sato@example.jp").count() == 1
    entry = AuditLog.objects.get(action="invitation.create", object_id=str(invitation.pk))
    assert entry.actor == api.token.created_by
    assert entry.via == "API token “CRM sync”"
    assert entry.who == f"{api.token.created_by} via API token “CRM sync”"


def test_a_token_invites_delegates_only(api, conference):
    api.post_json("invitations/", {"email": "a@example.org", "role": "organiser"}, status=201)

    assert Invitation.objects.get(email="a@example.org").role == "delegate"


def test_an_address_already_invited_or_registered_is_a_409(api, conference):
    InvitationFactory(conference=conference, email="taken@example.org")
    registered = RegistrationFactory(conference=conference, user=UserFactory())

    first = api.post("invitations/", {"email": "TAKEN@example.org"})
    second = api.post("invitations/", {"email": registered.user.email})

    assert first.status_code == 409 and "already invited" in first.json()["detail"]
    assert second.status_code == 409 and "already registered" in second.json()["detail"]
    assert Invitation.objects.filter(conference=conference).count() == 1


def test_invalid_fields_are_a_422_naming_them(api, conference):
    unconfirmed = OrganisationFactory(confirmed=False)

    response = api.post(
        "invitations/",
        {"email": "not an address", "organisation_id": unconfirmed.pk, "language": "xx"},
    )

    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"email", "organisation_id", "language"}
    assert not Invitation.objects.exists()


def test_bulk_creates_the_good_rows_and_says_why_each_bad_one_was_refused(api, conference):
    InvitationFactory(conference=conference, email="taken@example.org")

    answer = api.post_json(
        "invitations/bulk/",
        {
            "invitations": [
                {"email": "one@example.org", "name": "One"},
                {"email": "broken"},
                {"email": "taken@example.org"},
                {"email": "two@example.org"},
                {"email": "one@example.org"},
                {"email": "three@example.org", "organisation_id": 10**9},
            ]
        },
    )

    assert (answer["created"], answer["refused"]) == (2, 4)
    results = answer["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r["created"] for r in results] == [True, False, False, True, False, False]
    assert results[0]["invitation"]["email"] == "one@example.org"
    assert results[0]["errors"] == []
    assert results[1]["errors"][0]["field"] == "email"
    assert "already invited" in results[2]["errors"][0]["message"]
    assert "already invited" in results[4]["errors"][0]["message"]
    assert results[5]["errors"][0]["field"] == "organisation_id"
    assert set(
        Invitation.objects.filter(conference=conference).values_list("email", flat=True)
    ) == {"taken@example.org", "one@example.org", "two@example.org"}


def test_bulk_refuses_an_empty_or_oversized_request_whole(api):
    too_many = [{"email": f"p{i}@example.org"} for i in range(201)]

    assert api.post("invitations/bulk/", {"invitations": []}).status_code == 422
    assert api.post("invitations/bulk/", {"invitations": too_many}).status_code == 422
    assert not Invitation.objects.exists()


def test_invitations_list_and_filter_by_status_and_email(api, conference):
    sent = InvitationFactory(conference=conference, email="Sent@example.org")
    InvitationFactory(conference=conference, status=Invitation.Status.ACCEPTED)
    InvitationFactory()  # another conference's

    everyone = api.get_json("invitations/")["results"]
    by_status = api.get_json("invitations/", {"status": "sent"})["results"]
    by_email = api.get_json("invitations/", {"email": "sent@EXAMPLE.org"})["results"]

    assert len(everyone) == 2
    assert [i["id"] for i in by_status] == [sent.pk]
    assert [i["id"] for i in by_email] == [sent.pk]
    assert "token" not in everyone[0]  # the invitee's secret link is never listed


def test_resend_and_revoke_go_through_the_services(api, conference):
    invitation = account_services.invitation_create(
        conference=conference, actor=None, email="x@example.org"
    )

    resent = api.post_json(f"invitations/{invitation.pk}/resend/")
    revoked = api.post_json(f"invitations/{invitation.pk}/revoke/")
    again = api.post(f"invitations/{invitation.pk}/revoke/")
    resend_revoked = api.post(f"invitations/{invitation.pk}/resend/")

    assert resent["status"] == "sent"
    assert OutgoingEmail.objects.filter(recipient="x@example.org").count() == 2
    assert revoked["status"] == "revoked"
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert resend_revoked.status_code == 409
    vias = set(
        AuditLog.objects.filter(action__in=["invitation.resend", "invitation.revoke"]).values_list(
            "via", flat=True
        )
    )
    assert vias == {"API token “CRM sync”"}


def test_another_conferences_invitation_is_not_found(api):
    elsewhere = InvitationFactory()

    assert api.post(f"invitations/{elsewhere.pk}/revoke/").status_code == 404
    assert Invitation.objects.get(pk=elsewhere.pk).status == Invitation.Status.SENT


def test_every_change_of_an_invitation_moves_its_updated_at(conference, delegate):
    long_ago = timezone.now() - datetime.timedelta(days=3)

    def changed(invitation, change):
        Invitation.objects.filter(pk=invitation.pk).update(updated_at=long_ago)
        change()
        return Invitation.objects.get(pk=invitation.pk).updated_at > long_ago

    invitation = account_services.invitation_create(
        conference=conference, actor=None, email="y@example.org"
    )
    assert changed(
        invitation, lambda: account_services.invitation_resend(invitation=invitation, actor=None)
    )
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.SENT)
    assert changed(invitation, lambda: account_services.invitation_open(invitation=invitation))
    assert changed(
        invitation, lambda: account_services.invitation_revoke(invitation=invitation, actor=None)
    )
    stale = InvitationFactory(
        conference=conference, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert changed(stale, lambda: account_services.invitation_sweep())
    accepted = InvitationFactory(conference=conference, email=delegate.email)
    assert changed(
        accepted, lambda: account_services.invitation_accept(token=accepted.token, user=delegate)
    )


@pytest.mark.django_db(transaction=True)
def test_a_lock_held_elsewhere_is_a_409_to_try_again_not_a_500(conference, settings):
    """While another transaction holds the conference's lock, a write that times out waiting
    for it answers 409 with Retry-After."""
    api = ApiClient.for_scopes(conference, Scope.INVITATIONS_WRITE)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        from django.db import connection as own
        from django.db import transaction

        from accounts.services.locking import _lock_conference

        with transaction.atomic():
            _lock_conference(conference)
            holding.set()
            release.wait(10)
        own.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holding.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        response = api.post("invitations/", {"email": "late@example.org"})
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")

    assert response.status_code == 409
    assert response.json()["type"].endswith("/try-again")
    assert response["Retry-After"] == "1"
