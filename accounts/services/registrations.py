"""
The registration workflow: a delegate registers (with an accepted
invitation), edits their details, withdraws or asks for deletion; organisers
approve, waitlist or reject, confirm proposed organisations and set the
registration policy.

Statuses: pending → approved / waitlisted / rejected, and withdrawn. Each
service runs in one transaction; every status change is in the audit log
and emails the delegate (an outbox row in the same transaction). Capacity
decisions hold the conference's lock (`locking`), then the registration's.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.errors import RegistrationError
from accounts.models import Invitation, Registration
from accounts.services.locking import _lock_conference
from accounts.services.organisations import _organisation_from
from accounts.services.questions import answers_save
from conference.core import events
from conference.core.models import Organisation
from conference.core.services import audit_message, audit_record, email_queue

# Who may move a registration from which statuses to which.
ORGANISER_TRANSITIONS = {
    Registration.Status.APPROVED: {
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.REJECTED,
    },
    Registration.Status.WAITLISTED: {Registration.Status.PENDING},
    Registration.Status.REJECTED: {
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.APPROVED,
    },
}
DELEGATE_TRANSITIONS = {
    Registration.Status.WITHDRAWN: {
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.APPROVED,
    },
}


def _approved_count(conference):
    return Registration.objects.filter(
        conference=conference, status=Registration.Status.APPROVED
    ).count()


def _is_full(conference):
    return conference.capacity is not None and _approved_count(conference) >= conference.capacity


def _registration_events(registration, previous):
    """The domain events of a status change (webhooks): ids, states and times only."""
    data = {
        "registration": registration.pk,
        "user": registration.user_id,
        "organisation": registration.organisation_id,
        "status": registration.status,
        "previous_status": previous,
        "status_changed_at": registration.status_changed_at.isoformat(),
    }
    resource = f"registration:{registration.pk}"
    found = []
    # A withdrawn registration is only left by registering again.
    if previous in (None, Registration.Status.WITHDRAWN):
        found.append(events.Event(events.REGISTRATION_CREATED, resource, data))
    if registration.status == Registration.Status.APPROVED:
        found.append(events.Event(events.REGISTRATION_APPROVED, resource, data))
    return found


def _notify(registration, actor, previous):
    """Audit a status change, email the delegate and announce it (same transaction)."""
    events.events_publish(
        conference=registration.conference, events=_registration_events(registration, previous)
    )
    entry = audit_record(
        actor=actor,
        conference=registration.conference,
        action=f"registration.{registration.status}",
        obj=registration,
        summary=audit_message(
            gettext_noop("%(email)s: %(before)s → %(after)s"),
            email=registration.user.email,
            before=previous or "new",
            after=registration.status,
        ),
        data={"from": previous, "to": registration.status},
    )
    email_queue(
        recipient=registration.user.email,
        template="registration_status",
        context={
            "registration": registration,
            "previous": previous,
            "register_url": settings.SITE_ROOT
            + reverse("accounts:register", args=[registration.conference.slug]),
        },
        kind=f"registration_{registration.status}",
        dedup_key=f"registration:{registration.pk}:{registration.status}:{entry.pk}",
        conference=registration.conference,
        user=registration.user,
    )


def _set_status(registration, status, actor):
    previous = registration.status
    registration.status = status
    registration.status_changed_at = timezone.now()
    registration.save(update_fields=["status", "status_changed_at", "updated_at"])
    _notify(registration, actor, previous)


def _promote_waitlisted(conference, actor, seats):
    """Approve up to `seats` people from the waiting list, first come first served."""
    if seats <= 0 or not conference.promote_from_waitlist:
        return []
    promoted = list(
        Registration.objects.select_for_update(of=("self",))
        .select_related("user", "conference")
        .filter(conference=conference, status=Registration.Status.WAITLISTED)
        .order_by("status_changed_at", "pk")[:seats]
    )
    for registration in promoted:
        _set_status(registration, Registration.Status.APPROVED, actor)
    return promoted


def _free_seats(conference):
    if conference.capacity is None:
        return 0
    return max(0, conference.capacity - _approved_count(conference))


def registration_can_register(*, conference, user):
    """Invitation-only: an accepted delegate invitation to this conference."""
    return Invitation.objects.filter(
        conference=conference,
        accepted_by=user,
        status=Invitation.Status.ACCEPTED,
    ).exists()


def _user_name_set(user, given_name, family_name, family_name_first):
    """The person's name, and (unless None: unchanged) whether the family name comes first."""
    user.given_name, user.family_name = given_name, family_name
    if family_name_first is not None:
        user.family_name_first = family_name_first
    user.save(update_fields=["given_name", "family_name", "family_name_first"])


def registration_create(
    *,
    conference,
    user,
    given_name,
    family_name,
    family_name_first=None,
    new_organisation=None,
    answers=None,
    **fields,
):
    """
    Register `user` (who holds an accepted invitation) at the conference, or
    register again after withdrawing. Status: waitlisted when the approved
    delegates fill the capacity, else approved when the conference approves
    automatically, else pending. Locks the conference row so two registrations
    cannot take the last seat. `answers` ({question id: value}) answer the
    conference's custom questions, saved in the same transaction: a missing
    required answer or a bad value refuses the registration as a whole.
    Emails the delegate; audited.
    """
    with transaction.atomic():
        conference = _lock_conference(conference)
        if not conference.registration_is_open():
            raise RegistrationError(_("Registration is closed."))
        if not registration_can_register(conference=conference, user=user):
            raise RegistrationError(_("Registration is by invitation only."))
        registration = (
            Registration.objects.select_for_update()
            .filter(conference=conference, user=user)
            .first()
        )
        if registration is not None and registration.status != Registration.Status.WITHDRAWN:
            raise RegistrationError(_("You are already registered."))
        if _is_full(conference):
            status = Registration.Status.WAITLISTED
        elif conference.auto_approve:
            status = Registration.Status.APPROVED
        else:
            status = Registration.Status.PENDING
        fields["organisation"] = _organisation_from(
            organisation=fields.get("organisation"), new_organisation=new_organisation
        )
        previous = registration.status if registration else None
        registration = registration or Registration(conference=conference, user=user)
        for name, value in fields.items():
            setattr(registration, name, value)
        registration.status = status
        registration.status_changed_at = timezone.now()
        registration.privacy_accepted_at = timezone.now()
        registration.deletion_requested_at = None
        registration.save()
        answers_save(registration=registration, answers=answers or {})
        _user_name_set(user, given_name, family_name, family_name_first)
        _notify(registration, user, previous)
    return registration


def registration_update(
    *,
    registration,
    actor,
    given_name,
    family_name,
    family_name_first=None,
    new_organisation=None,
    answers=None,
    **fields,
):
    """
    Save a delegate's changed details (no status change, no email). Refused
    once the organisers have locked registration details. `answers` (as for
    registration_create; None leaves the answers as they are) are checked
    and saved in the same transaction.
    """
    with transaction.atomic():
        # The registration row alone: locking the joined conference too would
        # take it after the registration, the reverse of registration_transition.
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("conference", "user")
            .get(pk=registration.pk)
        )
        if registration.conference.registration_locked:
            raise RegistrationError(
                _("The organisers have locked registration details. Please contact them.")
            )
        if registration.status == Registration.Status.WITHDRAWN:
            raise RegistrationError(_("You have withdrawn; register again instead."))
        fields["organisation"] = _organisation_from(
            organisation=fields.get("organisation"), new_organisation=new_organisation
        )
        changed = sorted(
            name for name, value in fields.items() if getattr(registration, name) != value
        )
        for name, value in fields.items():
            setattr(registration, name, value)
        registration.save()
        if answers is not None:
            changed += [
                f"answer:{label}"
                for label in answers_save(registration=registration, answers=answers)
            ]
        user = registration.user
        _user_name_set(user, given_name, family_name, family_name_first)
        audit_record(
            actor=actor,
            conference=registration.conference,
            action="registration.update",
            obj=registration,
            summary=audit_message(
                gettext_noop("%(email)s updated their details"), email=user.email
            ),
            # Names of changed fields only: values may be ID document data.
            data={"fields": changed},
        )
    return registration


def registration_transition(*, registration, to, actor, by_delegate=False):
    """
    Move a registration to status `to`, if the move is allowed for who asks
    (organiser, or the delegate withdrawing). Approving needs a free seat.
    When an approved delegate leaves, the first on the waiting list is
    approved, if the conference promotes. Locks the conference row, then the
    registration. Every change emails the delegate and is audited.
    """
    allowed = DELEGATE_TRANSITIONS if by_delegate else ORGANISER_TRANSITIONS
    with transaction.atomic():
        conference = _lock_conference(registration.conference)
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("user", "conference")
            .get(pk=registration.pk)
        )
        if registration.status not in allowed.get(to, set()):
            raise RegistrationError(
                _("A %(current)s registration cannot be changed to %(to)s.")
                % {
                    "current": registration.get_status_display().lower(),
                    "to": Registration.Status(to).label.lower(),
                }
            )
        if to == Registration.Status.APPROVED and _is_full(conference):
            raise RegistrationError(
                _(
                    "The conference is full (%(capacity)s approved). Raise the capacity or "
                    "put this registration on the waiting list."
                )
                % {"capacity": conference.capacity}
            )
        leaving = registration.status == Registration.Status.APPROVED
        _set_status(registration, to, actor)
        if leaving:
            _promote_waitlisted(conference, actor, _free_seats(conference))
    return registration


def registration_bulk_transition(*, conference, registration_ids, to, actor):
    """
    Apply `registration_transition` to several registrations of the
    conference. Returns (changed, [(registration, reason), ...] refused).
    Each change is its own transaction, so one refusal does not undo the rest.
    """
    changed, refused = [], []
    registrations = (
        Registration.objects.filter(conference=conference, pk__in=registration_ids)
        .select_related("user", "conference")
        .order_by("status_changed_at", "pk")
    )
    for registration in registrations:
        try:
            changed.append(registration_transition(registration=registration, to=to, actor=actor))
        except RegistrationError as exc:
            refused.append((registration, str(exc)))
    return changed, refused


def registration_confirm_organisation(*, registration, actor):
    """Confirm the organisation a delegate proposed, so it shows in the directory."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=registration.organisation_id)
        if organisation.confirmed:
            return organisation
        organisation.confirmed = True
        organisation.save(update_fields=["confirmed", "updated_at"])
        audit_record(
            actor=actor,
            conference=registration.conference,
            action="organisation.confirm",
            obj=registration,
            summary=audit_message(
                gettext_noop("Confirmed the organisation %(name)s"), name=organisation.name
            ),
        )
    return organisation


def registration_request_deletion(*, registration, actor):
    """
    Record the delegate's request to delete their data, tell the delegate it
    was received, and leave it for the organisers (it shows on the
    registrations page). Asking twice changes nothing.
    """
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("user", "conference")
            .get(pk=registration.pk)
        )
        if registration.deletion_requested_at is not None:
            return registration
        registration.deletion_requested_at = timezone.now()
        registration.save(update_fields=["deletion_requested_at", "updated_at"])
        entry = audit_record(
            actor=actor,
            conference=registration.conference,
            action="registration.deletion_requested",
            obj=registration,
            summary=audit_message(
                gettext_noop("%(email)s asked for their data to be deleted"),
                email=registration.user.email,
            ),
        )
        email_queue(
            recipient=registration.user.email,
            template="registration_deletion",
            context={"registration": registration},
            kind="registration_deletion",
            dedup_key=f"registration:{registration.pk}:deletion:{entry.pk}",
            conference=registration.conference,
            user=registration.user,
        )
    return registration


def registration_settings_update(
    *, conference, actor, capacity, auto_approve, promote_from_waitlist, registration_locked
):
    """
    Change the conference's registration policy. Raising the capacity
    approves people from the waiting list when the conference promotes.
    """
    with transaction.atomic():
        conference = _lock_conference(conference)
        conference.capacity = capacity
        conference.auto_approve = auto_approve
        conference.promote_from_waitlist = promote_from_waitlist
        conference.registration_locked = registration_locked
        conference.save(
            update_fields=[
                "capacity",
                "auto_approve",
                "promote_from_waitlist",
                "registration_locked",
            ]
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="registration.settings",
            obj=conference,
            summary=audit_message(gettext_noop("Changed the registration settings")),
            data={
                "capacity": capacity,
                "auto_approve": auto_approve,
                "promote_from_waitlist": promote_from_waitlist,
                "registration_locked": registration_locked,
            },
        )
        if conference.capacity is not None:
            _promote_waitlisted(conference, actor, _free_seats(conference))
    return conference
