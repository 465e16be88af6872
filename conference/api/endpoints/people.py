"""
Organisations and registrations (scope `registrations:read`), and the ID
documents of registrations (scope `registrations:id-data`, which only a
security officer can grant: the gate list's data, for the embassy's visitor
and security systems).

A token with `registrations:id-data` and without `registrations:read` is a
gate-list token: it lists the approved registrations only, as the gate list
does. Each read of ID data through a token is audited like a gate-list
download, under the token's name.
"""

from datetime import date, datetime
from types import SimpleNamespace

from ninja import Field, Query, Router, Schema

from accounts import services as account_services
from accounts.models import Registration, User
from conference.api import selectors
from conference.api.auth import event_for
from conference.api.endpoints.common import (
    OrganisationRefOut,
    answers,
    one_of,
    page_of,
    page_response,
    token_actor,
)
from conference.api.pagination import PageQuery, cursor_page
from conference.api.scopes import Scope
from conference.core.models import OrganisationKind
from conference.core.services import audit_via
from conference.portal import exports

router = Router(tags=["registrations"])

RegistrationStatus = one_of(Registration.Status)


class OrganisationOut(Schema):
    id: int
    name: str
    kind: OrganisationKind
    country: str = Field(description="ISO 3166 code, or empty.")
    website: str
    confirmed: bool = Field(description="False: proposed by a delegate, not yet confirmed.")
    updated_at: datetime = Field(
        description="The later of the organisation's own change and its newest registration's."
    )

    @staticmethod
    def resolve_country(obj):
        return obj.country.code or ""

    @staticmethod
    def resolve_updated_at(obj):
        return obj.changed_at


class IdDocumentOut(Schema):
    type: str = Field(description="passport, national_id, diplomatic, other, or empty.")
    number: str
    expiry: date | None
    erased: bool = Field(
        description="The data was erased, or the retention period after the conference is over."
    )


class RegistrationOut(Schema):
    id: int
    status: RegistrationStatus
    name: str = Field(description="As the portal shows it (family name first where chosen).")
    given_name: str
    family_name: str
    email: str
    organisation: OrganisationRefOut | None
    job_title: str
    nationality: str = Field(description="ISO 3166 code, or empty.")
    is_vip: bool
    badge_code: str
    checked_in_at: datetime | None
    created_at: datetime
    updated_at: datetime
    id_document: IdDocumentOut | None = Field(
        None,
        description=(
            "Only for tokens with the scope registrations:id-data, and only for approved "
            "registrations (the gate list's); null otherwise."
        ),
    )


def person_name(row):
    """The portal's name of the person of a registration row (User.display_name's rule)."""
    return User.display_name.fget(
        SimpleNamespace(
            given_name=row["user__given_name"],
            family_name=row["user__family_name"],
            family_name_first=row["user__family_name_first"],
            email=row["user__email"],
        )
    )


def organisation_of(row):
    if row["organisation_id"] is None:
        return None
    return {
        "id": row["organisation_id"],
        "name": row["organisation__name"],
        "kind": row["organisation__kind"],
    }


def registration_row(row):
    """A row of `selectors.registrations_of` as RegistrationOut (without ID data)."""
    return {
        "id": row["id"],
        "status": row["status"],
        "name": person_name(row),
        "given_name": row["user__given_name"],
        "family_name": row["user__family_name"],
        "email": row["user__email"],
        "organisation": organisation_of(row),
        "job_title": row["job_title"],
        "nationality": row["nationality"],
        "is_vip": row["is_vip"],
        "badge_code": row["badge_code"],
        "checked_in_at": row["checked_in_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "id_document": None,
    }


class OrganisationQuery(PageQuery):
    kind: OrganisationKind | None = None


class RegistrationQuery(PageQuery):
    status: RegistrationStatus | None = None
    organisation_kind: OrganisationKind | None = None
    organisation_id: int | None = None


@router.get(
    "/events/{slug}/organisations/",
    response=answers(page_of(OrganisationOut)),
    summary="Organisations",
    operation_id="organisations_list",
)
def organisations_list(request, slug: str, page: Query[OrganisationQuery]):
    """
    The organisations with at least one registration at this conference (any
    status), in (updated_at, id) order; filter: `kind`.
    """
    conference = event_for(request, slug, Scope.REGISTRATIONS_READ)
    organisations = selectors.organisations_at(conference=conference, kind=page.kind or "")
    return cursor_page(request, organisations, page, order=("changed_at", "id"))


@router.get(
    "/events/{slug}/registrations/",
    response=answers(page_of(RegistrationOut)),
    summary="Registrations",
    operation_id="registrations_list",
)
def registrations_list(request, slug: str, page: Query[RegistrationQuery]):
    """
    Registrations, in (updated_at, id) order; filters: `status`,
    `organisation_kind`, `organisation_id`.

    Needs `registrations:read` (every registration) or
    `registrations:id-data` (the approved ones, as on the gate list). With
    `registrations:id-data`, approved registrations carry their ID document
    (emptied once the retention period after the conference is over), and
    every such read is written to the audit log, named by the token, like a
    gate-list download.
    """
    conference = event_for(request, slug, (Scope.REGISTRATIONS_READ, Scope.REGISTRATIONS_ID_DATA))
    scopes = request.auth.scopes
    id_data = Scope.REGISTRATIONS_ID_DATA in scopes
    statuses = None if Scope.REGISTRATIONS_READ in scopes else [Registration.Status.APPROVED]
    if page.status:
        statuses = [page.status] if statuses is None or page.status in statuses else []
    expired = id_data and account_services.id_data_expired(conference)
    registrations = selectors.registrations_of(
        conference=conference,
        statuses=statuses,
        organisation_kind=page.organisation_kind or "",
        organisation_id=page.organisation_id,
        with_id_data=id_data and not expired,
    )
    result = cursor_page(request, registrations, page)
    if not id_data:
        return page_response(request, result, registration_row)
    _id_data_read_record(request, conference, page, result["results"], expired=expired)
    return page_response(request, result, lambda row: _with_id_document(row, expired=expired))


def _with_id_document(row, *, expired):
    """RegistrationOut with the ID document of an approved registration."""
    out = registration_row(row)
    if row["status"] != Registration.Status.APPROVED:
        return out
    if expired:
        out["id_document"] = {"type": "", "number": "", "expiry": None, "erased": True}
    else:
        out["id_document"] = {
            "type": row["id_document_type"],
            "number": row["id_document_number"],
            "expiry": row["id_document_expiry"],
            "erased": row["id_data_erased_at"] is not None,
        }
    return out


def _id_data_read_record(request, conference, page, registrations, *, expired):
    """The audit entry of one page of ID data, as a gate-list download writes one."""
    filters = {
        name: str(value)
        for name, value in (
            ("status", page.status),
            ("organisation_kind", page.organisation_kind),
            ("organisation_id", page.organisation_id),
            ("updated_since", page.updated_since),
        )
        if value
    }
    token = request.auth.token
    with audit_via(token.audit_label):
        exports.export_record(
            conference=conference,
            actor=token_actor(request),
            action=exports.GATELIST_DOWNLOAD,
            fmt="api",
            rows=sum(1 for r in registrations if r["status"] == Registration.Status.APPROVED),
            filters=filters,
            extra={"id_data": not expired, "token": token.pk},
        )
