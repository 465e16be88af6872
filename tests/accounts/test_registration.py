"""
Registration: the form, the workflow (pending → approved / waitlisted /
rejected, withdrawn), capacity and the waiting list, emails and audit for
every transition, editing until locked, the delegate's data, the staff pages.
"""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Registration
from conference.core.models import AuditLog, Organisation, OutgoingEmail
from tests.factories import (
    InvitationFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import registration_details, registration_form_data

pytestmark = pytest.mark.django_db


def invited_user(conference, **user):
    user = UserFactory(**user)
    InvitationFactory(
        conference=conference,
        email=user.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=user,
    )
    return user


def register(conference, user=None, **extra):
    user = user or invited_user(conference)
    organisation = extra.pop("organisation", None) or OrganisationFactory()
    return services.registration_create(
        conference=conference, user=user, **registration_details(conference, organisation, **extra)
    )


def statuses(conference):
    return dict(
        Registration.objects.filter(conference=conference).values_list("user__email", "status")
    )


# The workflow --------------------------------------------------------------------------


def test_a_new_registration_is_pending_and_the_delegate_is_told(conference):
    registration = register(conference)

    assert registration.status == Registration.Status.PENDING
    assert registration.privacy_accepted_at is not None
    assert registration.user.given_name == "Asha"
    email = OutgoingEmail.objects.get(kind="registration_pending")
    assert email.recipient == registration.user.email
    assert "Registration received" in email.subject
    assert AuditLog.objects.filter(
        action="registration.pending", object_id=str(registration.pk)
    ).exists()


def test_auto_approve_approves_at_once(conference):
    conference.auto_approve = True
    conference.save()

    assert register(conference).status == Registration.Status.APPROVED
    assert OutgoingEmail.objects.filter(kind="registration_approved").count() == 1


def test_beyond_capacity_new_registrations_are_waitlisted(conference):
    conference.auto_approve = True
    conference.capacity = 1
    conference.save()

    first = register(conference)
    second = register(conference)

    assert first.status == Registration.Status.APPROVED
    assert second.status == Registration.Status.WAITLISTED
    assert "waiting list" in OutgoingEmail.objects.get(kind="registration_waitlisted").subject


def test_approving_beyond_capacity_is_refused(conference, organiser):
    conference.capacity = 1
    conference.save()
    first, second = register(conference), register(conference)
    services.registration_transition(
        registration=first, to=Registration.Status.APPROVED, actor=organiser
    )

    with pytest.raises(services.RegistrationError, match="full"):
        services.registration_transition(
            registration=second, to=Registration.Status.APPROVED, actor=organiser
        )


def test_a_withdrawal_promotes_the_first_on_the_waiting_list(conference):
    conference.auto_approve = True
    conference.capacity = 1
    conference.save()
    leaving = register(conference)
    first_in_line = register(conference)
    second_in_line = register(conference)

    services.registration_transition(
        registration=leaving,
        to=Registration.Status.WITHDRAWN,
        actor=leaving.user,
        by_delegate=True,
    )

    assert statuses(conference) == {
        leaving.user.email: "withdrawn",
        first_in_line.user.email: "approved",
        second_in_line.user.email: "waitlisted",
    }
    promoted = OutgoingEmail.objects.get(
        kind="registration_approved", recipient=first_in_line.user.email
    )
    assert "A place has become free" in promoted.body_text
    assert OutgoingEmail.objects.filter(kind="registration_withdrawn").count() == 1


def test_without_promotion_a_withdrawal_leaves_the_waiting_list_alone(conference):
    conference.auto_approve = True
    conference.capacity = 1
    conference.promote_from_waitlist = False
    conference.save()
    leaving, waiting = register(conference), register(conference)

    services.registration_transition(
        registration=leaving, to=Registration.Status.WITHDRAWN, actor=None, by_delegate=True
    )

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.WAITLISTED


def test_raising_the_capacity_promotes_from_the_waiting_list(conference, organiser):
    conference.auto_approve = True
    conference.capacity = 1
    conference.save()
    register(conference)
    waiting = register(conference)

    services.registration_settings_update(
        conference=conference,
        actor=organiser,
        capacity=2,
        auto_approve=True,
        promote_from_waitlist=True,
        registration_locked=False,
    )

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.APPROVED


def test_every_transition_emails_and_is_audited(conference, organiser):
    registration = register(conference)
    for to in ("waitlisted", "approved", "rejected", "approved"):
        services.registration_transition(registration=registration, to=to, actor=organiser)
    services.registration_transition(
        registration=registration, to="withdrawn", actor=registration.user, by_delegate=True
    )

    kinds = list(
        OutgoingEmail.objects.filter(recipient=registration.user.email)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "registration_pending",
        "registration_waitlisted",
        "registration_approved",
        "registration_rejected",
        "registration_approved",
        "registration_withdrawn",
    ]
    history = AuditLog.objects.filter(object_id=str(registration.pk)).order_by("pk")
    assert [(e.data["from"], e.data["to"]) for e in history] == [
        (None, "pending"),
        ("pending", "waitlisted"),
        ("waitlisted", "approved"),
        ("approved", "rejected"),
        ("rejected", "approved"),
        ("approved", "withdrawn"),
    ]


def test_a_delegate_cannot_approve_themselves_nor_an_organiser_withdraw_them(conference, organiser):
    registration = register(conference)

    with pytest.raises(services.RegistrationError):
        services.registration_transition(
            registration=registration, to="approved", actor=registration.user, by_delegate=True
        )
    with pytest.raises(services.RegistrationError):
        services.registration_transition(registration=registration, to="withdrawn", actor=organiser)


def test_registration_needs_an_accepted_invitation(conference):
    with pytest.raises(services.RegistrationError, match="invitation only"):
        register(conference, user=UserFactory())


def test_registration_is_refused_once_closed(conference):
    conference.registration_closes_at = timezone.now()
    conference.save()

    with pytest.raises(services.RegistrationError, match="closed"):
        register(conference)


def test_a_withdrawn_delegate_can_register_again(conference):
    registration = register(conference)
    services.registration_transition(
        registration=registration, to="withdrawn", actor=None, by_delegate=True
    )

    again = register(conference, user=registration.user)

    assert again.pk == registration.pk
    assert again.status == Registration.Status.PENDING


def test_a_proposed_organisation_waits_for_staff_to_confirm_it(conference, organiser):
    user = invited_user(conference)
    registration = services.registration_create(
        conference=conference,
        user=user,
        new_organisation={"name": "Asha Batteries", "kind": "recycler", "country": "IN"},
        **registration_details(conference),
    )

    organisation = registration.organisation
    assert (organisation.name, organisation.confirmed) == ("Asha Batteries", False)
    services.registration_confirm_organisation(registration=registration, actor=organiser)
    organisation.refresh_from_db()
    assert organisation.confirmed


def test_proposing_an_existing_organisation_reuses_it(conference):
    existing = OrganisationFactory(name="Lohum")
    registration = services.registration_create(
        conference=conference,
        user=invited_user(conference),
        new_organisation={"name": "LOHUM", "kind": "other"},
        **registration_details(conference),
    )

    assert registration.organisation == existing
    assert Organisation.objects.filter(name__iexact="lohum").count() == 1


# The delegate's pages ----------------------------------------------------------------------


def test_the_delegate_registers_through_the_form(client, conference, accepted_invitation):
    client.force_login(accepted_invitation)
    url = reverse("accounts:register", args=[conference.slug])

    response = client.post(url, registration_form_data(conference))

    assert response.status_code == 302
    registration = Registration.objects.get(user=accepted_invitation)
    assert registration.organisation.name == "Asha Batteries"
    assert registration.id_document_number == "Z1234567"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"privacy_accepted": None}, "privacy_accepted", "required"),
        ({"new_organisation_name": ""}, "organisation", "Choose your organisation"),
        ({"new_organisation_kind": ""}, "new_organisation_kind", "What kind"),
        ({"id_document_expiry": "2000-01-01"}, "id_document_expiry", "still be valid"),
    ],
    ids=["privacy", "organisation", "kind of a new organisation", "expired document"],
)
def test_the_form_says_what_is_missing(
    client, conference, accepted_invitation, change, field, message
):
    client.force_login(accepted_invitation)
    data = registration_form_data(conference, **change)

    response = client.post(reverse("accounts:register", args=[conference.slug]), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Registration.objects.exists()


def test_a_delegate_edits_their_details_until_locked(client, conference, delegate):
    client.force_login(delegate)
    url = reverse("accounts:register", args=[conference.slug])
    data = registration_form_data(conference, job_title="Chief Executive")
    del data["privacy_accepted"]

    client.post(url, data)
    delegate.registration.refresh_from_db()
    conference.registration_locked = True
    conference.save()
    locked = client.get(url)
    client.post(url, registration_form_data(conference, job_title="Intern"))

    assert delegate.registration.job_title == "Chief Executive"
    assert "locked registration details" in locked.content.decode()
    delegate.registration.refresh_from_db()
    assert delegate.registration.job_title == "Chief Executive"
    entry = AuditLog.objects.get(action="registration.update")
    assert "job_title" in entry.data["fields"]
    assert "Z1234567" not in json.dumps(entry.data)


def test_staff_without_an_invitation_are_told_registration_is_by_invitation(
    client, conference, checkin_staff
):
    client.force_login(checkin_staff)

    response = client.get(reverse("accounts:register", args=[conference.slug]))

    assert response.status_code == 403
    assert "by invitation" in response.content.decode()


def test_the_delegate_downloads_what_the_portal_holds(client, conference, delegate):
    client.force_login(delegate)

    response = client.get(reverse("accounts:personal_data", args=[conference.slug]))

    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == delegate.email
    assert data["registration"]["status"] == "approved"
    assert data["registration"]["badge_code"] == delegate.registration.badge_code
    assert set(data) >= {"invitations", "session_signups", "meeting_requests", "meetings", "emails"}


def test_the_delegate_asks_for_deletion_once(client, conference, delegate):
    client.force_login(delegate)
    url = reverse("accounts:request_deletion", args=[conference.slug])

    client.post(url)
    client.post(url)

    delegate.registration.refresh_from_db()
    assert delegate.registration.deletion_requested_at is not None
    assert OutgoingEmail.objects.filter(kind="registration_deletion").count() == 1
    assert AuditLog.objects.filter(action="registration.deletion_requested").count() == 1


def test_the_delegate_withdraws_from_the_page(client, conference, delegate):
    client.force_login(delegate)

    client.post(reverse("accounts:withdraw", args=[conference.slug]))

    delegate.registration.refresh_from_db()
    assert delegate.registration.status == Registration.Status.WITHDRAWN


# The organiser's pages ----------------------------------------------------------------------


def test_the_organiser_filters_and_searches_registrations(client, conference, organiser):
    japan = OrganisationFactory(name="Example Motors", kind="oem", country="JP")
    india = OrganisationFactory(name="Recyclers", kind="recycler", country="IN")
    wanted = RegistrationFactory(conference=conference, organisation=japan, approved=True)
    RegistrationFactory(conference=conference, organisation=india, approved=True)
    RegistrationFactory(conference=conference, organisation=japan)
    RegistrationFactory()  # another conference
    client.force_login(organiser)
    url = reverse("accounts:registrations", args=[conference.slug])

    def listed(**query):
        return [int(row["pk"]) for row in client.get(url, query).context["rows"]]

    assert len(listed()) == 3
    assert listed(status="approved", kind="oem", country="JP") == [wanted.pk]
    assert listed(q=wanted.user.family_name.upper()) == [wanted.pk]
    assert listed(q="example motors", status="approved") == [wanted.pk]


def test_each_row_of_the_registrations_list_says_who_where_what_and_when(
    client, conference, organiser
):
    proposed = OrganisationFactory(
        name="Lohum <Cleantech>", kind="oem", country="JP", confirmed=False
    )
    user = UserFactory(given_name="Hanako", family_name="Sato & Co", family_name_first=True)
    registration = RegistrationFactory(
        conference=conference,
        user=user,
        organisation=proposed,
        job_title="Head of R&D",
        approved=True,
        deletion_requested_at=timezone.now(),
    )
    Registration.objects.filter(pk=registration.pk).update(
        created_at=datetime.datetime(2026, 3, 9, 23, 45, tzinfo=datetime.UTC)
    )
    nobody = RegistrationFactory(conference=conference, organisation=None)
    client.force_login(organiser)
    url = reverse("accounts:registrations", args=[conference.slug])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    japanese = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    detail = reverse("accounts:registration", args=[conference.slug, registration.pk])
    assert f'<a class="fw-semibold" href="{detail}">Sato &amp; Co Hanako</a>' in page
    assert 'aria-label="Select Sato &amp; Co Hanako"' in page
    assert "Lohum &lt;Cleantech&gt;" in page
    assert "Car maker (OEM) · Japan" in page
    assert "proposed, to confirm" in page
    assert "asked for deletion" in page
    assert "Head of R&amp;D" in page
    assert '<span class="status-pill status-approved">Approved</span>' in page
    assert "10 Mar, 05:15" in page  # the conference's time zone (Asia/Kolkata)
    nobody_detail = reverse("accounts:registration", args=[conference.slug, nobody.pk])
    assert f'href="{nobody_detail}"' in page
    assert "日本" in japanese
    assert "承認済み" in japanese
    assert "3月10日 05:15" in japanese


def test_the_settings_form_shows_the_saved_settings_in_the_viewers_language(
    client, conference, organiser
):
    # Its markup is cached: by the values it shows and the language, never stale.
    client.force_login(organiser)
    url = reverse("accounts:registrations", args=[conference.slug])
    before = client.get(url).content.decode()

    client.post(
        reverse("accounts:registrations_settings", args=[conference.slug]),
        {"settings-capacity": "120", "settings-auto_approve": "on"},
    )
    after = client.get(url).content.decode()
    japanese = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    auto_approve = (
        'name="settings-auto_approve" class="form-check-input" id="id_settings-auto_approve"'
    )
    assert 'name="settings-capacity" value="120"' not in before
    assert 'name="settings-capacity" value="120"' in after
    assert f"{auto_approve}>" in before
    assert f"{auto_approve} checked>" in after
    assert 'for="id_settings-capacity">Capacity' in after
    assert 'for="id_settings-capacity">定員' in japanese
    assert 'name="settings-capacity" value="120"' in japanese


def test_bulk_approve_reports_what_it_could_not_do(client, conference, organiser):
    conference.capacity = 1
    conference.save()
    first, second = (RegistrationFactory(conference=conference) for _ in range(2))
    client.force_login(organiser)

    response = client.post(
        reverse("accounts:registrations_bulk", args=[conference.slug]),
        {"action": "approve", "registrations": [first.pk, second.pk]},
        follow=True,
    )

    assert statuses(conference) == {first.user.email: "approved", second.user.email: "pending"}
    page = response.content.decode()
    assert "1 registration changed." in page
    assert "full" in page


def test_bulk_actions_ignore_another_conferences_registrations(client, conference, organiser):
    other = RegistrationFactory()
    client.force_login(organiser)

    client.post(
        reverse("accounts:registrations_bulk", args=[conference.slug]),
        {"action": "approve", "registrations": [other.pk]},
    )

    other.refresh_from_db()
    assert other.status == Registration.Status.PENDING


def test_the_detail_page_shows_history_but_no_id_document(client, conference, organiser):
    registration = register(conference)
    services.registration_transition(registration=registration, to="approved", actor=organiser)
    client.force_login(organiser)

    response = client.get(reverse("accounts:registration", args=[conference.slug, registration.pk]))

    page = response.content.decode()
    assert "pending → approved" in page
    assert "Registration confirmed" in page  # the email, listed
    assert "provided" in page
    assert "Z1234567" not in page


def test_another_conferences_registration_is_a_404(client, conference, organiser):
    other = RegistrationFactory()
    client.force_login(organiser)

    detail = client.get(reverse("accounts:registration", args=[conference.slug, other.pk]))
    action = client.post(
        reverse("accounts:registration_transition", args=[conference.slug, other.pk]),
        {"action": "approve"},
    )

    assert (detail.status_code, action.status_code) == (404, 404)


def test_the_registrations_page_takes_a_fixed_number_of_queries(
    client, conference, organiser, django_assert_num_queries
):
    client.force_login(organiser)
    url = reverse("accounts:registrations", args=[conference.slug])
    RegistrationFactory.create_batch(3, conference=conference)
    client.get(url)

    # user, registration, conference with roles, authenticator (MFA),
    # status counts and countries (one query), page rows (with user and
    # organisation); the rows are counted by the status counts, unless the
    # list is filtered by more than a status: then one query more.
    filtered = {"q": "@", "status": "pending"}
    with django_assert_num_queries(6):
        client.get(url)
    with django_assert_num_queries(6):
        client.get(url, {"status": "pending"})
    with django_assert_num_queries(7):
        client.get(url, filtered)
    RegistrationFactory.create_batch(20, conference=conference)
    with django_assert_num_queries(6):
        client.get(url)
    with django_assert_num_queries(7):
        client.get(url, filtered)


def test_the_invitations_organisation_is_chosen_already(client, conference, accepted_invitation):
    lohum = OrganisationFactory(name="Lohum", confirmed=True)
    OrganisationFactory(name="Attero", confirmed=True)
    Invitation.objects.filter(accepted_by=accepted_invitation).update(organisation=lohum)
    client.force_login(accepted_invitation)

    response = client.get(reverse("accounts:register", args=[conference.slug]))

    assert response.context["form"]["organisation"].value() == lohum.pk
    assert f'<option value="{lohum.pk}" selected>Lohum</option>' in response.content.decode()


def test_without_an_organisation_on_the_invitation_none_is_chosen(
    client, conference, accepted_invitation
):
    client.force_login(accepted_invitation)
    response = client.get(reverse("accounts:register", args=[conference.slug]))
    assert response.context["form"]["organisation"].value() is None
