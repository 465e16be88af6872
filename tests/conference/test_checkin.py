"""
Check-in at the door: by scanned or typed badge code and by name, harmless
when repeated, refused for registrations that are not approved, safe when two
devices scan the same badge at once, and a live count of arrivals by kind.
"""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Registration
from conference.core.models import AuditLog
from conference.portal import checkin
from tests.factories import ConferenceFactory, RegistrationFactory
from tests.helpers import login, url

pytestmark = pytest.mark.django_db


def scan(client, conference, code, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url(conference, "manage/checkin/scan/"), {"code": code}, **headers)


def test_scanning_an_approved_badge_checks_its_holder_in(conference, checkin_staff, cast):
    mehta = cast["mehta"]
    before = timezone.now()

    response = scan(login(checkin_staff), conference, mehta.badge_code)

    assert response.status_code == 200
    assert response.context["result"].outcome == checkin.Outcome.CHECKED_IN
    html = response.content.decode()
    assert "Checked in" in html and "Priya Mehta" in html and "Lohum" in html
    assert response["HX-Trigger"] == "checkin-changed"
    mehta.refresh_from_db()
    assert mehta.checked_in_at >= before
    entry = AuditLog.objects.get(action=checkin.CHECKIN_RECORD)
    assert (entry.actor, entry.object_id) == (checkin_staff, str(mehta.pk))


def test_checking_in_twice_is_harmless_and_says_when(conference, checkin_staff, cast):
    sato = cast["sato"]
    first = sato.checked_in_at

    response = scan(login(checkin_staff), conference, sato.badge_code)

    assert response.context["result"].outcome == checkin.Outcome.ALREADY
    # 09:12 in the conference's zone, as staff at the door see it.
    assert "Already checked in at 09:12" in response.content.decode()
    sato.refresh_from_db()
    assert sato.checked_in_at == first
    assert not AuditLog.objects.filter(action=checkin.CHECKIN_RECORD).exists()


def test_a_registration_that_is_not_approved_is_not_checked_in(conference, checkin_staff, cast):
    lee = cast["lee"]

    response = scan(login(checkin_staff), conference, lee.badge_code)

    assert response.context["result"].outcome == checkin.Outcome.NOT_APPROVED
    html = response.content.decode()
    assert "Not approved" in html and "Pending" in html
    lee.refresh_from_db()
    assert lee.checked_in_at is None
    assert AuditLog.objects.filter(action=checkin.CHECKIN_REFUSED, object_id=str(lee.pk)).exists()


def test_unknown_and_other_conference_codes_are_unknown(conference, checkin_staff, cast):
    client = login(checkin_staff)

    for code in ("", "NOPE", cast["other"].badge_code):
        response = scan(client, conference, code)
        assert response.context["result"].outcome == checkin.Outcome.UNKNOWN
        assert "Unknown badge" in response.content.decode()
    cast["other"].refresh_from_db()
    assert cast["other"].checked_in_at is None


def test_a_typed_code_may_have_spaces_and_lower_case(conference, checkin_staff, cast):
    code = cast["mehta"].badge_code
    typed = " ".join(code[i : i + 4] for i in range(0, 16, 4)).lower()

    response = scan(login(checkin_staff), conference, typed)

    assert response.context["result"].outcome == checkin.Outcome.CHECKED_IN


def test_without_htmx_the_whole_page_shows_the_outcome(conference, checkin_staff, cast):
    response = scan(login(checkin_staff), conference, cast["mehta"].badge_code, htmx=False)

    assert response.status_code == 200
    assert response.templates[0].name == "conference/checkin.html"
    assert "Checked in" in response.content.decode()


def test_search_by_name_or_organisation_then_check_in(conference, checkin_staff, cast):
    client = login(checkin_staff)

    found = client.get(
        url(conference, "manage/checkin/search/"), {"q": "priya meh"}, HTTP_HX_REQUEST="true"
    )
    assert [r.pk for r in found.context["results"]] == [cast["mehta"].pk]
    by_org = client.get(
        url(conference, "manage/checkin/search/"), {"q": "toyota"}, HTTP_HX_REQUEST="true"
    )
    html = by_org.content.decode()
    assert "佐藤 花子" in html and "In at 09:12" in html
    pending = client.get(
        url(conference, "manage/checkin/search/"), {"q": "Lee"}, HTTP_HX_REQUEST="true"
    )
    assert "Not approved" in pending.content.decode()
    # Another conference's people are not found.
    assert not client.get(url(conference, "manage/checkin/search/"), {"q": "Outsider"}).context[
        "results"
    ]

    response = client.post(
        url(conference, f"manage/checkin/{cast['mehta'].pk}/"), HTTP_HX_REQUEST="true"
    )
    assert response.context["result"].outcome == checkin.Outcome.CHECKED_IN


def test_checking_in_someone_of_another_conference_by_id_is_404(conference, checkin_staff, cast):
    response = login(checkin_staff).post(url(conference, f"manage/checkin/{cast['other'].pk}/"))

    assert response.status_code == 404
    cast["other"].refresh_from_db()
    assert cast["other"].checked_in_at is None


def test_arrivals_are_counted_by_organisation_kind(conference, checkin_staff, cast):
    response = login(checkin_staff).get(url(conference, "manage/checkin/arrivals/"))

    arrivals = {
        row["kind"]: (row["arrived"], row["expected"]) for row in response.context["arrivals"]
    }
    # Approved: sato (OEM, arrived) and mehta (recycler); Lee is pending.
    assert arrivals == {"recycler": (0, 1), "oem": (1, 1)}
    assert response.context["totals"] == {"arrived": 1, "expected": 2}
    html = response.content.decode()
    assert "Car maker (OEM)" in html
    assert "1</span> / 2" in html


def test_the_page_works_for_checkin_staff_and_organisers_only(
    conference, checkin_staff, organiser, security_officer, delegate
):
    for path in ("manage/checkin/", "manage/checkin/arrivals/", "manage/checkin/search/?q=x"):
        assert login(checkin_staff).get(url(conference, path)).status_code == 200
        assert login(organiser).get(url(conference, path)).status_code == 200
        assert login(security_officer).get(url(conference, path)).status_code == 403
        assert login(delegate).get(url(conference, path)).status_code == 403
        assert login(None).get(url(conference, path)).status_code == 302
    for user in (security_officer, delegate):
        assert scan(login(user), conference, delegate.registration.badge_code).status_code == 403
        assert (
            login(user)
            .post(url(conference, f"manage/checkin/{delegate.registration.pk}/"))
            .status_code
            == 403
        )
    delegate.registration.refresh_from_db()
    assert delegate.registration.checked_in_at is None


def test_check_in_staff_of_another_conference_cannot_check_in_here(conference, cast):
    from conference.core.models import Role
    from tests.factories import ConferenceRoleFactory

    stranger = ConferenceRoleFactory(conference=ConferenceFactory(), role=Role.CHECKIN).user

    assert scan(login(stranger), conference, cast["mehta"].badge_code).status_code == 403


def test_checkin_page_queries_do_not_grow_with_arrivals(conference, checkin_staff, cast):
    client = login(checkin_staff)
    client.get(url(conference, "manage/checkin/"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(conference, "manage/checkin/"))
    for _ in range(20):
        RegistrationFactory(conference=conference, status="approved", checked_in_at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(conference, "manage/checkin/"))

    assert response.context["totals"] == {"arrived": 21, "expected": 22}
    # User, access (registration, conference with roles), arrivals by kind, latest.
    assert len(few) == len(many) == 5


def test_checkin_page_has_the_scanner_search_and_arrivals(conference, checkin_staff, cast):
    response = login(checkin_staff).get(url(conference, "manage/checkin/"))

    html = response.content.decode()
    assert "data-scanner" in html and "vendor/jsqr/jsQR.js" in html and "js/checkin.js" in html
    assert 'name="code"' in html and 'name="q"' in html
    assert "approved delegates have arrived" in html
    # Strict CSP: no inline script or style.
    assert "<script>" not in html and "style=" not in html


@pytest.mark.django_db(transaction=True)
def test_two_devices_scanning_the_same_badge_at_once_record_one_arrival(conference, checkin_staff):
    registration = RegistrationFactory(conference=conference, status="approved")
    barrier = threading.Barrier(2)
    outcomes = []

    def scan_at_the_same_time():
        try:
            barrier.wait()
            result = checkin.checkin_record(
                conference=conference, actor=checkin_staff, badge_code=registration.badge_code
            )
            outcomes.append(result.outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan_at_the_same_time) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [checkin.Outcome.ALREADY, checkin.Outcome.CHECKED_IN]
    assert AuditLog.objects.filter(action=checkin.CHECKIN_RECORD).count() == 1
    assert Registration.objects.get(pk=registration.pk).checked_in_at is not None
