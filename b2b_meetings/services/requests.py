"""
Meeting requests: sending, accepting (which books the meeting), declining
and withdrawing. Each locks the request first (the top of the lock order in
`b2b_meetings.services.locking`) and emails the other side through the
outbox in the same transaction.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Registration
from b2b_meetings.errors import B2BError, BookingError
from b2b_meetings.models import MeetingRequest, MeetingSeat
from b2b_meetings.rules import is_request_recipient, kind_pair_allowed
from b2b_meetings.services.booking import _create_in_transaction
from b2b_meetings.services.locking import registrations_lock
from b2b_meetings.services.notifications import _email_request
from conference.core.services import audit_record


def _organisation_recipients(meeting_request):
    return list(
        Registration.objects.filter(
            conference_id=meeting_request.conference_id,
            organisation_id=meeting_request.target_organisation_id,
            status=Registration.Status.APPROVED,
            directory_consent=True,
        )
        .exclude(pk=meeting_request.requester_id)
        .select_related("user")
    )


def request_recipients(meeting_request):
    """The people a request is addressed to: one delegate, or an organisation's."""
    if meeting_request.target_registration_id is not None:
        return [meeting_request.target_registration]
    return _organisation_recipients(meeting_request)


def request_create(
    *,
    conference,
    requester,
    target_registration=None,
    target_organisation=None,
    agenda="",
    priority=MeetingRequest.Priority.NORMAL,
):
    """
    Send a meeting request to a delegate or to an organisation. Locks the
    requester's registration so that the pending-request cap holds; the
    partial unique constraints keep one pending request per pair. Emails the
    recipient (every delegate of the organisation listed in the directory).
    """
    if (target_registration is None) == (target_organisation is None):
        raise B2BError(_("Choose one delegate or one organisation."))
    with transaction.atomic():
        (requester,) = registrations_lock(conference=requester.conference_id, ids=[requester.pk])
        if requester.conference_id != conference.pk or not requester.is_approved:
            raise B2BError(_("Only approved delegates can request meetings."))
        if target_registration is not None:
            target_registration = (
                Registration.objects.select_related("user", "organisation")
                .filter(
                    pk=target_registration.pk,
                    conference=conference,
                    status=Registration.Status.APPROVED,
                    directory_consent=True,
                )
                .first()
            )
            if target_registration is None:
                raise B2BError(_("That delegate cannot be requested."))
            if target_registration.pk == requester.pk:
                raise B2BError(_("You cannot request a meeting with yourself."))
            target_org_id = target_registration.organisation_id
            target_kind = (
                target_registration.organisation.kind if target_registration.organisation else None
            )
        else:
            target_org_id = target_organisation.pk
            target_kind = target_organisation.kind
            if not Registration.objects.filter(
                conference=conference,
                organisation=target_organisation,
                status=Registration.Status.APPROVED,
                directory_consent=True,
            ).exists():
                raise B2BError(_("That organisation cannot be requested."))
        if requester.organisation_id and requester.organisation_id == target_org_id:
            raise B2BError(_("You cannot request a meeting with your own organisation."))
        own_kind = requester.organisation.kind if requester.organisation else None
        if not kind_pair_allowed(conference, own_kind, target_kind):
            raise B2BError(
                _("The organisers have not opened meetings between these kinds of organisation.")
            )
        pending = MeetingRequest.objects.filter(
            requester=requester, status=MeetingRequest.Status.PENDING
        ).count()
        if pending >= conference.b2b_max_pending_requests:
            raise B2BError(
                _(
                    "You have %(n)s requests waiting for an answer, the most allowed. "
                    "Withdraw one or wait for answers."
                )
                % {"n": pending}
            )
        booked = MeetingSeat.objects.filter(registration=requester, is_active=True).count()
        if booked >= conference.b2b_max_meetings_per_delegate:
            raise B2BError(_("You have reached the meeting limit."))
        try:
            with transaction.atomic():
                meeting_request = MeetingRequest.objects.create(
                    conference=conference,
                    requester=requester,
                    target_registration=target_registration,
                    target_organisation=target_organisation,
                    agenda=agenda.strip()[:1000],
                    priority=priority,
                    expires_at=timezone.now()
                    + datetime.timedelta(hours=conference.b2b_request_expiry_hours),
                )
        except IntegrityError as exc:
            raise B2BError(_("You already have a request waiting for an answer there.")) from exc
        meeting_request.conference = conference
        audit_record(
            actor=requester.user,
            conference=conference,
            action="meeting_request.create",
            obj=meeting_request,
            summary=f"Request {meeting_request.pk}",
        )
        _email_request(meeting_request, "b2b_request_received", request_recipients(meeting_request))
    return meeting_request


_REQUEST_PEOPLE = [
    "conference",
    "requester__user",
    "requester__organisation",
    "target_registration__user",
    "target_registration__organisation",
    "target_organisation",
]


def _lock_request(meeting_request, *, people=False):
    """
    Lock a request row and return it fresh. The lock takes the row alone (a
    wide join costs planning time on the hot path of accepting); with
    `people` the parties are read too, for the emails.
    """
    locked = (
        MeetingRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("conference")
        .filter(pk=meeting_request.pk)
        .first()
    )
    if locked is None:
        raise B2BError(_("This request no longer exists."))
    if people:
        locked = MeetingRequest.objects.select_related(*_REQUEST_PEOPLE).get(pk=meeting_request.pk)
    return locked


def _ensure_pending(meeting_request, now=None):
    now = now or timezone.now()
    if meeting_request.status != MeetingRequest.Status.PENDING:
        raise B2BError(_("This request has already been answered or withdrawn."))
    if meeting_request.expires_at is not None and meeting_request.expires_at <= now:
        raise B2BError(_("This request has expired."))


def request_accept(*, meeting_request, responder, slot):
    """
    Accept a pending request by choosing a slot both sides have free; a free
    table is assigned automatically. Locks the request first (so two
    colleagues answering an organisation's request cannot both accept), then
    books as `meeting_create` with availability enforced. The requester and
    the responder get a confirmation with the ICS invitation.

    `meeting_request` and `slot` are read afresh under their locks, so a caller may
    pass stand-ins that carry only the primary key (and, for the slot, the
    conference it expects): whether the request is addressed to `responder`
    and the slot belongs to the request's conference is checked here.
    """
    with transaction.atomic():
        meeting_request = _lock_request(meeting_request)
        if not is_request_recipient(meeting_request, responder):
            raise B2BError(_("This request is not addressed to you."))
        _ensure_pending(meeting_request)
        conference = meeting_request.conference
        if slot.conference_id != conference.pk:
            raise BookingError(_("That slot belongs to another conference."))
        meeting = _create_in_transaction(
            conference=conference,
            slot=slot,
            table=None,
            ids=sorted({meeting_request.requester_id, responder.pk}),
            meeting_request=meeting_request,
            actor=responder.user,
            note="",
            enforce_availability=True,
            notify=True,
        )
        meeting_request.status = MeetingRequest.Status.ACCEPTED
        meeting_request.responded_by = responder
        meeting_request.responded_at = timezone.now()
        meeting_request.save(update_fields=["status", "responded_by", "responded_at"])
    return meeting


def request_decline(*, meeting_request, responder, reason=""):
    """Decline a pending request with an optional reason; emails the requester."""
    with transaction.atomic():
        meeting_request = _lock_request(meeting_request, people=True)
        if not is_request_recipient(meeting_request, responder):
            raise B2BError(_("This request is not addressed to you."))
        _ensure_pending(meeting_request)
        meeting_request.status = MeetingRequest.Status.DECLINED
        meeting_request.responded_by = responder
        meeting_request.responded_at = timezone.now()
        meeting_request.decline_reason = reason.strip()[:300]
        meeting_request.save(
            update_fields=["status", "responded_by", "responded_at", "decline_reason"]
        )
        audit_record(
            actor=responder.user,
            conference=meeting_request.conference,
            action="meeting_request.decline",
            obj=meeting_request,
            summary=f"Request {meeting_request.pk} declined",
        )
        _email_request(
            meeting_request,
            "b2b_request_declined",
            [meeting_request.requester],
            {"responder": responder},
        )
    return meeting_request


def request_withdraw(*, meeting_request, requester):
    """The requester withdraws a pending request; the recipients are told."""
    with transaction.atomic():
        meeting_request = _lock_request(meeting_request, people=True)
        if meeting_request.requester_id != requester.pk:
            raise B2BError(_("Only the sender can withdraw a request."))
        if meeting_request.status != MeetingRequest.Status.PENDING:
            raise B2BError(_("This request has already been answered or withdrawn."))
        meeting_request.status = MeetingRequest.Status.CANCELLED
        meeting_request.responded_at = timezone.now()
        meeting_request.save(update_fields=["status", "responded_at"])
        audit_record(
            actor=requester.user,
            conference=meeting_request.conference,
            action="meeting_request.withdraw",
            obj=meeting_request,
            summary=f"Request {meeting_request.pk} withdrawn",
        )
        _email_request(
            meeting_request, "b2b_request_withdrawn", request_recipients(meeting_request)
        )
    return meeting_request
