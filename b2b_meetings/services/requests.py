"""
Meeting requests: sending (with up to three proposed times), accepting
(which books the meeting, or leaves the time to the organisers' scheduler),
declining and withdrawing. Each locks the request first (the top of the lock
order in `b2b_meetings.services.locking`) and emails the other side through
the outbox in the same transaction.

Two people who ask each other get one meeting: the second request is joined
with the first (`linked`, both ways), and answering either settles both.
"""

import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Registration
from b2b_meetings.errors import AlreadyMeeting, B2BError, BookingError
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSeat
from b2b_meetings.rules import is_request_recipient, kind_pair_allowed
from b2b_meetings.selectors.availability import slots_free_for
from b2b_meetings.services.booking import _create_in_transaction, request_params
from b2b_meetings.services.locking import registrations_lock
from b2b_meetings.services.notifications import _email_request
from conference.core.services import audit_message, audit_record

# How many times a requester may propose.
MAX_PROPOSED = 3


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
    priority=MeetingRequest.Priority.WOULD_LIKE,
    proposed_slot_ids=(),
):
    """
    Send a meeting request to a delegate or to an organisation, proposing up
    to three times (`proposed_slot_ids`) that both sides have free now.

    Locks the requester's registration, and the target delegate's (in pk
    order), so that the pending-request cap holds and two people asking each
    other at once see each other's request: the second is joined with the
    first (`linked`, both ways; the returned request's `joined` names the
    first), so that answering either settles both. The partial unique
    constraints keep one open request per pair. Refused when the two already
    meet, or have already agreed to. Emails the recipient (every delegate of
    the organisation listed in the directory).
    """
    if (target_registration is None) == (target_organisation is None):
        raise B2BError(_("Choose one delegate or one organisation."))
    proposed_slot_ids = list(dict.fromkeys(proposed_slot_ids))
    if len(proposed_slot_ids) > MAX_PROPOSED:
        raise B2BError(_("Propose at most three times."))
    with transaction.atomic():
        # The request the other way round, if any, is locked first (the lock
        # order: requests, then registrations), since joining writes to it.
        held = _request_lock_ids(
            _reverse_request(requester, target_registration, target_organisation)
        )
        ids = {requester.pk}
        if target_registration is not None:
            ids.add(target_registration.pk)
        locked = {r.pk: r for r in registrations_lock(conference=requester.conference_id, ids=ids)}
        requester = locked.get(requester.pk)
        if (
            requester is None
            or requester.conference_id != conference.pk
            or not requester.is_approved
        ):
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
        if target_registration is not None and _meeting_between(
            requester.pk, target_registration.pk
        ):
            raise B2BError(
                _("You already have a meeting with %(name)s.")
                % {"name": target_registration.user.display_name}
            )
        reverse = _reverse_request(requester, target_registration, target_organisation)
        if reverse is not None and reverse.pk not in held:
            # Sent in the instant between the first look and the locks.
            _lock_now_or_try_again([reverse.pk])
        if reverse is not None and reverse.status == MeetingRequest.Status.SCHEDULING:
            raise B2BError(
                _("You have already agreed to meet %(name)s; the organisers will set the time.")
                % {"name": reverse.requester.user.display_name}
            )
        proposed = _proposed_slots(conference, proposed_slot_ids, [requester, target_registration])
        try:
            with transaction.atomic():
                meeting_request = MeetingRequest.objects.create(
                    conference=conference,
                    requester=requester,
                    target_registration=target_registration,
                    target_organisation=target_organisation,
                    agenda=agenda.strip()[:1000],
                    priority=priority,
                    counter_priority=reverse.priority if reverse is not None else None,
                    linked=reverse,
                    expires_at=timezone.now()
                    + datetime.timedelta(hours=conference.b2b_request_expiry_hours),
                )
        except IntegrityError as exc:
            raise B2BError(_("You already have a request waiting for an answer there.")) from exc
        if proposed:
            meeting_request.proposed_slots.set(proposed)
        if reverse is not None:
            MeetingRequest.objects.filter(pk=reverse.pk).update(
                linked=meeting_request, counter_priority=priority
            )
        meeting_request.conference = conference
        meeting_request.joined = reverse
        audit_record(
            actor=requester.user,
            conference=conference,
            action="meeting_request.create",
            obj=meeting_request,
            summary=audit_message(
                gettext_noop("Request from %(a)s to %(b)s (they had asked too: joined)")
                if reverse is not None
                else gettext_noop("Request from %(a)s to %(b)s"),
                **request_params(meeting_request),
            ),
        )
        _email_request(
            meeting_request,
            "b2b_request_received",
            request_recipients(meeting_request),
            {"joined": reverse, "proposed": proposed},
        )
    return meeting_request


def _meeting_between(a, b):
    """Whether registrations `a` and `b` sit together in an active meeting."""
    return (
        Meeting.objects.filter(status=Meeting.Status.ACTIVE, seats__registration=a)
        .filter(seats__registration=b)
        .exists()
    )


def _reverse_request(requester, target_registration, target_organisation):
    """
    The open request the other way round, if the target already asked the
    requester (in person or through the requester's organisation): from the
    target delegate, or from a listed delegate of the target organisation.
    """
    if target_registration is not None:
        sender = Q(requester=target_registration)
    else:
        sender = Q(requester__organisation=target_organisation)
    to_me = Q(target_registration=requester)
    if requester.organisation_id:
        to_me |= Q(target_organisation_id=requester.organisation_id)
    return (
        MeetingRequest.objects.filter(
            sender,
            to_me,
            conference_id=requester.conference_id,
            status__in=MeetingRequest.OPEN_STATUSES,
        )
        .select_related("requester__user")
        .order_by("pk")
        .first()
    )


def _proposed_slots(conference, slot_ids, people):
    """The slots of `slot_ids`, each free now for all of `people` (None: an organisation)."""
    if not slot_ids:
        return []
    free = {
        slot.pk: slot
        for slot in slots_free_for(
            conference=conference, registrations=[p for p in people if p is not None]
        )
    }
    if any(slot_id not in free for slot_id in slot_ids):
        raise B2BError(
            _("One of the proposed times is no longer free for both of you. Please choose again.")
        )
    return [free[slot_id] for slot_id in slot_ids]


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


def _request_lock_ids(meeting_request):
    """Lock `meeting_request` (if any) and return the set of ids held."""
    if meeting_request is None:
        return set()
    _lock_request(meeting_request)
    return {meeting_request.pk}


def _lock_now_or_try_again(ids):
    """
    Lock request rows out of the usual order, without waiting: if someone
    holds one, waiting could deadlock, so the person is asked to try again.
    """
    try:
        list(
            MeetingRequest.objects.select_for_update(no_key=True, nowait=True, of=("self",))
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
    except OperationalError as exc:
        raise B2BError(
            _("Someone is answering this request right now. Please try again in a moment.")
        ) from exc


def _lock_with_linked(meeting_request):
    """
    Lock a request, then the one it is joined with; returns (request, linked
    or None), read fresh under the locks. Rows are locked in pk order: a
    joined request with a higher pk is waited for, one with a lower pk (out
    of order: waiting could deadlock with the other side answering at the
    same moment) is taken at once or the person is asked to try again.
    """
    first = _lock_request(meeting_request)
    if first.linked_id is None:
        return first, None
    if first.linked_id > first.pk:
        return first, _lock_request(MeetingRequest(pk=first.linked_id))
    _lock_now_or_try_again([first.linked_id])
    return first, MeetingRequest.objects.filter(pk=first.linked_id).first()


def _settle_linked(linked, *, responder, status=MeetingRequest.Status.ACCEPTED):
    """The request joined with an answered one is settled with it."""
    if linked is None or linked.status not in MeetingRequest.OPEN_STATUSES:
        return
    linked.status = status
    linked.responded_by = linked.responded_by or responder
    linked.responded_at = timezone.now()
    linked.save(update_fields=["status", "responded_by", "responded_at"])


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
        meeting_request, linked = _lock_with_linked(meeting_request)
        if not is_request_recipient(meeting_request, responder):
            raise B2BError(_("This request is not addressed to you."))
        _ensure_pending(meeting_request)
        conference = meeting_request.conference
        if slot.conference_id != conference.pk:
            raise BookingError(_("That slot belongs to another conference."))
        try:
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
        except AlreadyMeeting as exc:
            # The two were booked together meanwhile (by the organisers, or
            # through another request): this request is settled by that
            # meeting, which the responder is shown.
            meeting = Meeting.objects.get(pk=exc.meeting_id)
            meeting.booked_before = True
        meeting_request.status = MeetingRequest.Status.ACCEPTED
        meeting_request.responded_by = responder
        meeting_request.responded_at = timezone.now()
        meeting_request.save(update_fields=["status", "responded_by", "responded_at"])
        _settle_linked(linked, responder=responder)
    return meeting


def request_accept_to_schedule(*, meeting_request, responder, priority=None):
    """
    Accept a pending request and leave the time to the organisers: the
    request becomes `SCHEDULING`, the auto-scheduler's input, with the
    responder's own wish (`priority`, if given) as its counter priority. The
    request joined with it is settled too. Locks as `request_accept`; the
    requester is told at once.
    """
    with transaction.atomic():
        meeting_request, linked = _lock_with_linked(meeting_request)
        if not is_request_recipient(meeting_request, responder):
            raise B2BError(_("This request is not addressed to you."))
        _ensure_pending(meeting_request)
        if priority is not None and priority not in MeetingRequest.Priority.values:
            raise B2BError(_("Choose a priority from the list."))
        meeting_request.status = MeetingRequest.Status.SCHEDULING
        meeting_request.responded_by = responder
        meeting_request.responded_at = timezone.now()
        if priority is not None:
            meeting_request.counter_priority = priority
        meeting_request.save(
            update_fields=["status", "responded_by", "responded_at", "counter_priority"]
        )
        _settle_linked(linked, responder=responder)
        # Already locked: read the parties for the audit entry and the email.
        meeting_request = MeetingRequest.objects.select_related(*_REQUEST_PEOPLE).get(
            pk=meeting_request.pk
        )
        audit_record(
            actor=responder.user,
            conference=meeting_request.conference,
            action="meeting_request.accept_to_schedule",
            obj=meeting_request,
            summary=audit_message(
                gettext_noop("Request from %(a)s to %(b)s accepted; time to be set"),
                **request_params(meeting_request),
            ),
        )
        _email_request(
            meeting_request,
            "b2b_request_accepted_to_schedule",
            [meeting_request.requester],
            {"responder": responder},
        )
    return meeting_request


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
            summary=audit_message(
                gettext_noop("Request from %(a)s to %(b)s declined"),
                **request_params(meeting_request),
            ),
        )
        _email_request(
            meeting_request,
            "b2b_request_declined",
            [meeting_request.requester],
            {"responder": responder},
        )
    return meeting_request


def request_withdraw(*, meeting_request, requester):
    """
    The requester withdraws a request that is pending or waiting for the
    scheduler; the recipients are told.
    """
    with transaction.atomic():
        meeting_request = _lock_request(meeting_request, people=True)
        if meeting_request.requester_id != requester.pk:
            raise B2BError(_("Only the sender can withdraw a request."))
        # Accepted but not yet scheduled counts as open: the sender may still withdraw.
        if meeting_request.status not in MeetingRequest.OPEN_STATUSES:
            raise B2BError(_("This request has already been answered or withdrawn."))
        meeting_request.status = MeetingRequest.Status.CANCELLED
        meeting_request.responded_at = timezone.now()
        meeting_request.save(update_fields=["status", "responded_at"])
        audit_record(
            actor=requester.user,
            conference=meeting_request.conference,
            action="meeting_request.withdraw",
            obj=meeting_request,
            summary=audit_message(
                gettext_noop("Request from %(a)s to %(b)s withdrawn"),
                **request_params(meeting_request),
            ),
        )
        _email_request(
            meeting_request, "b2b_request_withdrawn", request_recipients(meeting_request)
        )
    return meeting_request
