"""
Invitations (scope `invitations:write`): list, create one, create in bulk,
resend, revoke, through the accounts services the organisers' pages use:
the same checks (one live invitation per address, none for someone already
registered), the same emails, and audit entries named by the token.

A token invites delegates only: staff roles are given in the browser, so a
leaked token cannot make its holder an organiser or a security officer.
"""

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts import services as account_services
from accounts.forms import InvitationForm
from accounts.models import Invitation
from conference.api import selectors
from conference.api.auth import event_for
from conference.api.endpoints.common import (
    FieldErrorOut,
    OrganisationRefOut,
    answers,
    one_of,
    organisation_ref,
    page_of,
    token_actor,
    token_write,
)
from conference.api.errors import Problem, invalid, not_found
from conference.api.pagination import PageQuery, cursor_page
from conference.api.scopes import Scope

router = Router(tags=["invitations"])

InvitationStatus = one_of(Invitation.Status)

# Rows of one bulk request: each is its own transaction, so a request stays
# well within a web worker's timeout.
BULK_MAX_ROWS = 200


class InvitationOut(Schema):
    id: int
    email: str
    name: str
    organisation: OrganisationRefOut | None
    role: one_of(Invitation.InvitedRole)
    language: str
    status: InvitationStatus
    created_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    accepted_at: datetime | None
    expires_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_organisation(obj):
        return organisation_ref(obj)


class InvitationIn(Schema):
    email: str
    name: str = ""
    organisation_id: int | None = Field(
        None, description="A confirmed organisation (see the organisations list)."
    )
    language: str = Field(
        settings.LANGUAGE_CODE,
        description="Of the invitation emails: " + ", ".join(c for c, _n in settings.LANGUAGES),
    )


class InvitationBulkIn(Schema):
    invitations: list[InvitationIn] = Field(..., min_length=1, max_length=BULK_MAX_ROWS)


class InvitationRowOut(Schema):
    index: int = Field(description="The row's position in the request, from 0.")
    email: str
    created: bool
    invitation: InvitationOut | None = None
    errors: list[FieldErrorOut] = Field(
        default_factory=list, description="Why the row was refused (empty when created)."
    )


class InvitationBulkOut(Schema):
    created: int
    refused: int
    results: list[InvitationRowOut]


class InvitationQuery(PageQuery):
    status: InvitationStatus | None = None
    email: str | None = Field(None, description="One address (any case).")


def _form_errors(form):
    """A bound InvitationForm's errors as [{"field", "message"}], fields named as in the API."""
    names = {"organisation": "organisation_id"}
    return [
        {"field": names.get(field, field), "message": error["message"]}
        for field, errors in form.errors.get_json_data().items()
        for error in errors
    ]


def _validated(row):
    """The row checked by the organisers' invitation form: (cleaned data, errors)."""
    form = InvitationForm(
        data={
            "email": row.email,
            "name": row.name,
            "organisation": row.organisation_id or "",
            "role": Invitation.InvitedRole.DELEGATE,
            "language": row.language,
        }
    )
    if not form.is_valid():
        return None, _form_errors(form)
    return form.cleaned_data, []


def _create(request, conference, data):
    return account_services.invitation_create(
        conference=conference,
        actor=token_actor(request),
        email=data["email"],
        name=data["name"],
        organisation=data["organisation"],
        role=Invitation.InvitedRole.DELEGATE,
        language=data["language"],
    )


@router.get(
    "/events/{slug}/invitations/",
    response=answers(page_of(InvitationOut)),
    summary="Invitations",
    operation_id="invitations_list",
)
def invitations_list(request, slug: str, page: Query[InvitationQuery]):
    """Invitations, in (updated_at, id) order; filters: `status`, `email`."""
    conference = event_for(request, slug, Scope.INVITATIONS_WRITE)
    invitations = selectors.invitations_of(
        conference=conference, status=page.status or "", email=page.email or ""
    )
    return cursor_page(request, invitations, page)


@router.post(
    "/events/{slug}/invitations/",
    response=answers(InvitationOut, 409, status=201),
    summary="Invite one person",
    operation_id="invitation_create",
)
def invitation_create(request, slug: str, payload: InvitationIn):
    """
    Invite one delegate and email the invitation. 409 when the address is
    already invited (live or accepted) or registered here; 422 when a field
    is invalid.
    """
    conference = event_for(request, slug, Scope.INVITATIONS_WRITE)
    data, errors = _validated(payload)
    if errors:
        raise invalid(_("Some fields are missing or invalid; nothing was changed."), errors=errors)
    with token_write(request):
        invitation = _create(request, conference, data)
    return Status(201, invitation)


@router.post(
    "/events/{slug}/invitations/bulk/",
    response=answers(InvitationBulkOut),
    summary="Invite several people",
    operation_id="invitation_bulk_create",
)
def invitation_bulk_create(request, slug: str, payload: InvitationBulkIn):
    """
    Invite up to 200 delegates, each row on its own: a refused row (invalid,
    or already invited or registered) does not stop the others. The answer
    has one result per row, in the request's order, with the invitation
    created or the reasons the row was refused; 200 whatever the mix.
    Sending the same rows again creates nothing twice.
    """
    conference = event_for(request, slug, Scope.INVITATIONS_WRITE)
    results = []
    for index, row in enumerate(payload.invitations):
        result = {"index": index, "email": row.email, "created": False, "invitation": None}
        data, errors = _validated(row)
        if not errors:
            try:
                with token_write(request):
                    result["invitation"] = _create(request, conference, data)
                    result["created"] = True
            except Problem as exc:
                errors = [{"field": "email", "message": exc.detail}]
        result["errors"] = errors
        results.append(result)
    created = sum(1 for r in results if r["created"])
    return {"created": created, "refused": len(results) - created, "results": results}


def _invitation(conference, invitation_id):
    invitation = selectors.invitation_of(conference=conference, invitation_id=invitation_id)
    if invitation is None:
        raise not_found(_("No invitation with this id at this conference."))
    return invitation


@router.post(
    "/events/{slug}/invitations/{invitation_id}/resend/",
    response=answers(InvitationOut, 404, 409),
    summary="Resend an invitation",
    operation_id="invitation_resend",
)
def invitation_resend(request, slug: str, invitation_id: int):
    """
    Email the invitation again with a fresh expiry (an expired one comes back
    to life). 409 for a revoked or accepted invitation, or when the address
    has been invited again since.
    """
    conference = event_for(request, slug, Scope.INVITATIONS_WRITE)
    invitation = _invitation(conference, invitation_id)
    with token_write(request):
        invitation = account_services.invitation_resend(
            invitation=invitation, actor=token_actor(request)
        )
    return invitation


@router.post(
    "/events/{slug}/invitations/{invitation_id}/revoke/",
    response=answers(InvitationOut, 404, 409),
    summary="Revoke an invitation",
    operation_id="invitation_revoke",
)
def invitation_revoke(request, slug: str, invitation_id: int):
    """Make a queued, sent or opened invitation unusable; 409 for any other."""
    conference = event_for(request, slug, Scope.INVITATIONS_WRITE)
    invitation = _invitation(conference, invitation_id)
    with token_write(request):
        invitation = account_services.invitation_revoke(
            invitation=invitation, actor=token_actor(request)
        )
    return invitation
