"""
Check-in (scope `checkin:write`, which organisers and check-in staff can
grant): scan a badge code at the door, and list the arrivals, for the
protocol office's screen. The scan is the check-in desk's own service
(conference/portal/checkin/services.py): only approved registrations get
in, a second scan changes nothing, and each arrival and refusal is audited,
named by the token.
"""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from conference.api import selectors
from conference.api.auth import event_for
from conference.api.endpoints.common import (
    OrganisationRefOut,
    answers,
    page_of,
    page_response,
    token_actor,
    token_write,
)
from conference.api.endpoints.people import RegistrationStatus, organisation_of, person_name
from conference.api.errors import Problem, not_found
from conference.api.pagination import PageQuery, cursor_page
from conference.api.scopes import Scope
from conference.portal.checkin import services as checkin

router = Router(tags=["check-in"])


class ArrivalOut(Schema):
    registration_id: int
    name: str
    organisation: OrganisationRefOut | None
    job_title: str
    is_vip: bool
    status: RegistrationStatus
    badge_code: str
    checked_in_at: datetime | None
    updated_at: datetime


def arrival_row(row):
    """A row of `selectors.registrations_of` as ArrivalOut."""
    return {
        "registration_id": row["id"],
        "name": person_name(row),
        "organisation": organisation_of(row),
        "job_title": row["job_title"],
        "is_vip": row["is_vip"],
        "status": row["status"],
        "badge_code": row["badge_code"],
        "checked_in_at": row["checked_in_at"],
        "updated_at": row["updated_at"],
    }


class CheckinIn(Schema):
    badge_code: str = Field(
        ..., max_length=64, description="As printed or scanned; spaces and case do not matter."
    )


class CheckinOut(Schema):
    outcome: str = Field(
        description="checked_in (201: this scan checked them in) or already (200: earlier)."
    )
    arrival: ArrivalOut


@router.post(
    "/events/{slug}/checkins/",
    response={**answers(CheckinOut, 404, 409, status=201), 200: CheckinOut},
    summary="Check a badge holder in",
    operation_id="checkin_create",
)
def checkin_create(request, slug: str, payload: CheckinIn):
    """
    Check in the holder of `badge_code`: 201 when this scan checked them in,
    200 when they already were (with the time of the first scan), 409 when
    their registration is not approved, 404 for a code unknown here.
    """
    conference = event_for(request, slug, Scope.CHECKIN_WRITE)
    with token_write(request):
        result = checkin.checkin_record(
            conference=conference, actor=token_actor(request), badge_code=payload.badge_code
        )
    if result.outcome == checkin.Outcome.UNKNOWN:
        raise not_found(_("No registration at this conference has this badge code."))
    if result.outcome == checkin.Outcome.NOT_APPROVED:
        raise Problem(
            409,
            "not-approved",
            _("Not approved"),
            _("This registration is %(status)s, not approved: do not let them in.")
            % {"status": result.registration.get_status_display().lower()},
            registration_id=result.registration.pk,
        )
    status = 201 if result.outcome == checkin.Outcome.CHECKED_IN else 200
    # Read back as the arrivals list has it, so both answers have one shape.
    row = selectors.registrations_of(conference=conference).get(pk=result.registration.pk)
    return Status(status, {"outcome": result.outcome, "arrival": arrival_row(row)})


@router.get(
    "/events/{slug}/checkins/",
    response=answers(page_of(ArrivalOut)),
    summary="Arrivals",
    operation_id="checkins_list",
)
def checkins_list(request, slug: str, page: Query[PageQuery]):
    """
    The registrations checked in, in (updated_at, id) order: a screen that
    polls with `updated_since` (the greatest `updated_at` it has) gets each
    new arrival once.
    """
    conference = event_for(request, slug, Scope.CHECKIN_WRITE)
    arrivals = cursor_page(request, selectors.arrivals_of(conference=conference), page)
    return page_response(request, arrivals, arrival_row)
