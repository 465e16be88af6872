"""
One invitation at a time: invite, resend, revoke, follow the link, accept;
and the beat's sweep that expires stale invitations and reminds invitees.

Each service runs in one transaction; its email is an outbox row written in
it. The bulk import and send are `invitation_import` and `invitation_jobs`.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.errors import InvitationError
from accounts.models import Invitation, Registration
from accounts.services.locking import _lock_conference
from conference.core import events
from conference.core.models import ConferenceRole
from conference.core.services import audit_message, audit_record, email_queue

# An invitation can be used for this long after it was (last) sent, and never
# after registration closes.
INVITATION_VALID_DAYS = 30
# One reminder, this long after the invitation, to invitees who have not registered.
REMINDER_AFTER = timedelta(days=7)
# Upper bound of rows one sweep touches, so a sweep stays short.
SWEEP_LIMIT = 500

# Invitation statuses that block a new invitation to the same address.
TAKEN_STATUSES = [*Invitation.LIVE_STATUSES, Invitation.Status.ACCEPTED]

# updated_at is named wherever update_fields are (auto_now writes only named fields).
SEND_FIELDS = ["status", "sent_at", "expires_at", "send_count", "updated_at"]


def _expiry(conference, now):
    expires = now + timedelta(days=INVITATION_VALID_DAYS)
    if conference.registration_closes_at and conference.registration_closes_at < expires:
        expires = conference.registration_closes_at
    return expires


def _accept_url(invitation):
    return settings.SITE_ROOT + reverse("invitation", args=[invitation.token])


def _expires_label(conference, expires_at, language):
    """
    When an invitation link expires, in the conference's zone and the
    invitation's language (invitees have no account yet). Formatted once per
    batch and language of a bulk send rather than once per email.
    """
    if expires_at is None:
        return ""
    with translation.override(language):
        # The language's own date order ("20 December 2026, 23:59", "2026年12月20日 23:59").
        return date_format(timezone.localtime(expires_at, conference.tz), _("j F Y, H:i"))


def _invitation_message(invitation, now, expires_label=None):
    """
    The invitation email of `invitation` (as email_queue arguments), which is
    marked sent (the caller saves it). The dedup key counts sends, so a
    resend is a new message while a retried batch finds the one it wrote.
    """
    invitation.send_count += 1
    invitation.expires_at = _expiry(invitation.conference, now)
    invitation.sent_at = now
    if invitation.status == Invitation.Status.QUEUED:
        invitation.status = Invitation.Status.SENT
    if expires_label is None:
        expires_label = _expires_label(
            invitation.conference, invitation.expires_at, invitation.language
        )
    return {
        "recipient": invitation.email,
        "language": invitation.language,
        "template": "invitation",
        "context": {
            "invitation": invitation,
            "accept_url": _accept_url(invitation),
            "expires_label": expires_label,
        },
        "kind": "invitation",
        "dedup_key": Invitation.email_dedup_key(invitation.pk, invitation.send_count),
    }


def _queue_invitation_email(invitation, now):
    email_queue(conference=invitation.conference, **_invitation_message(invitation, now))


def _taken_emails(conference, emails):
    """The addresses among `emails` (lower case) already invited or registered here."""
    taken = {}
    for email in (
        Invitation.objects.filter(conference=conference, status__in=TAKEN_STATUSES)
        .annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    ):
        taken[email] = _("already invited")
    for email in (
        Registration.objects.filter(conference=conference)
        .annotate(lower_email=Lower("user__email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    ):
        taken.setdefault(email, _("already registered"))
    return taken


def invitation_create(
    *,
    conference,
    actor,
    email,
    name="",
    organisation=None,
    role=Invitation.InvitedRole.DELEGATE,
    language=settings.LANGUAGE_CODE,
):
    """
    Invite one person and queue the invitation email (in `language`). Refuses (InvitationError)
    an address that already has a live or accepted invitation here, or a
    registration; the partial unique constraint backs this under contention.
    """
    email = email.strip().lower()
    now = timezone.now()
    try:
        with transaction.atomic():
            conference = _lock_conference(conference)
            reason = _taken_emails(conference, [email]).get(email)
            if reason:
                raise InvitationError(
                    _("%(email)s: %(reason)s.") % {"email": email, "reason": reason}
                )
            invitation = Invitation.objects.create(
                conference=conference,
                email=email,
                name=name.strip(),
                organisation=organisation,
                role=role,
                language=language,
                invited_by=actor,
            )
            _queue_invitation_email(invitation, now)
            invitation.save(update_fields=SEND_FIELDS)
            audit_record(
                actor=actor,
                conference=conference,
                action="invitation.create",
                obj=invitation,
                summary=audit_message(
                    gettext_noop("Invited %(email)s (%(role)s)"), email=email, role=role
                ),
            )
    except IntegrityError as exc:
        raise InvitationError(_("%(email)s: already invited.") % {"email": email}) from exc
    return invitation


def invitation_resend(*, invitation, actor):
    """
    Email the invitation again with a fresh expiry. An expired invitation is
    revived unless the address has been invited again since. Revoked and
    accepted invitations cannot be resent.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(of=("self",))
                .select_related("conference")
                .get(pk=invitation.pk)
            )
            if invitation.status in (Invitation.Status.REVOKED, Invitation.Status.ACCEPTED):
                raise InvitationError(
                    _("A %(status)s invitation cannot be resent.")
                    % {"status": invitation.get_status_display().lower()}
                )
            if invitation.status == Invitation.Status.EXPIRED:
                invitation.status = Invitation.Status.SENT
            _queue_invitation_email(invitation, now)
            invitation.reminded_at = None
            invitation.save(update_fields=[*SEND_FIELDS, "reminded_at"])
            audit_record(
                actor=actor,
                conference=invitation.conference,
                action="invitation.resend",
                obj=invitation,
                summary=audit_message(
                    gettext_noop("Resent the invitation to %(email)s"), email=invitation.email
                ),
            )
    except IntegrityError as exc:
        raise InvitationError(
            _("%(email)s has been invited again since; resend that invitation instead.")
            % {"email": invitation.email}
        ) from exc
    return invitation


def invitation_revoke(*, invitation, actor):
    """Make a live invitation unusable. Accepted ones stay (withdraw the registration)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status not in Invitation.LIVE_STATUSES:
            raise InvitationError(
                _("Only a queued, sent or opened invitation can be revoked; this one is %(s)s.")
                % {"s": invitation.get_status_display().lower()}
            )
        invitation.status = Invitation.Status.REVOKED
        invitation.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            conference=invitation.conference,
            action="invitation.revoke",
            obj=invitation,
            summary=audit_message(
                gettext_noop("Revoked the invitation to %(email)s"), email=invitation.email
            ),
        )
    return invitation


def invitation_open(*, invitation):
    """Record that the link was followed (first time only; a single UPDATE)."""
    now = timezone.now()
    Invitation.objects.filter(
        pk=invitation.pk, status__in=[Invitation.Status.QUEUED, Invitation.Status.SENT]
    ).update(status=Invitation.Status.OPENED, opened_at=now, updated_at=now)


def invitation_lock_usable(*, token):
    """The invitation of `token`, locked, if it can still be accepted; else None."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("conference")
        .filter(token=token)
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def invitation_accept(*, token, user):
    """
    Bind the invitation of `token` to `user`, who must own the invited
    address. Marks the address verified (the link came to that mailbox) and
    grants the invited staff role. Locks the invitation row, so of two
    simultaneous acceptances one wins and the other gets InvitationError.
    """
    with transaction.atomic():
        invitation = invitation_lock_usable(token=token)
        if invitation is None:
            raise InvitationError(_("This invitation can no longer be used."))
        if invitation.email.lower() != user.email.lower():
            raise InvitationError(
                _("This invitation is for %(email)s.") % {"email": invitation.email}
            )
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["status", "accepted_by", "accepted_at", "updated_at"])
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
        if invitation.role != Invitation.InvitedRole.DELEGATE:
            ConferenceRole.objects.get_or_create(
                conference=invitation.conference, user=user, role=invitation.role
            )
        if not user.given_name and not user.family_name and invitation.name:
            given, _sep, family = invitation.name.partition(" ")
            user.given_name, user.family_name = given[:100], family[:100]
            user.save(update_fields=["given_name", "family_name"])
        audit_record(
            actor=user,
            conference=invitation.conference,
            action="invitation.accept",
            obj=invitation,
            summary=audit_message(
                gettext_noop("%(email)s accepted the invitation (%(role)s)"),
                email=user.email,
                role=invitation.role,
            ),
        )
        events.event_publish(conference=invitation.conference, **_accepted_event(invitation))
    return invitation


def _accepted_event(invitation):
    """The domain event of an acceptance (webhooks): ids, role and time only."""
    return {
        "type": events.INVITATION_ACCEPTED,
        "resource": f"invitation:{invitation.pk}",
        "data": {
            "invitation": invitation.pk,
            "user": invitation.accepted_by_id,
            "organisation": invitation.organisation_id,
            "role": invitation.role,
            "accepted_at": invitation.accepted_at.isoformat(),
        },
    }


def invitation_sweep(*, now=None):
    """
    Beat sweep: mark live invitations past their expiry `expired`, and send
    one reminder to invitees who have not registered a week after the
    invitation (dedup key per invitation, so a reminder is sent once).
    Returns (expired, reminded).
    """
    now = now or timezone.now()
    expired = Invitation.objects.filter(
        status__in=Invitation.LIVE_STATUSES, expires_at__lte=now
    ).update(status=Invitation.Status.EXPIRED, updated_at=now)

    reminded = 0
    due = (
        Invitation.objects.filter(
            status__in=[*Invitation.LIVE_STATUSES, Invitation.Status.ACCEPTED],
            sent_at__lte=now - REMINDER_AFTER,
            reminded_at__isnull=True,
            conference__end_date__gte=timezone.localdate(now),
        )
        .exclude(
            Exists(
                Registration.objects.filter(
                    conference=OuterRef("conference"), user=OuterRef("accepted_by")
                )
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for invitation_id in list(due):
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("conference")
                .filter(pk=invitation_id, reminded_at__isnull=True)
                .first()
            )
            if invitation is None:
                continue
            if invitation.status == Invitation.Status.ACCEPTED:
                link = settings.SITE_ROOT + reverse(
                    "accounts:register", args=[invitation.conference.slug]
                )
            else:
                link = _accept_url(invitation)
            email_queue(
                recipient=invitation.email,
                template="invitation_reminder",
                context={
                    "invitation": invitation,
                    "accept_url": link,
                    "expires_label": _expires_label(
                        invitation.conference, invitation.expires_at, invitation.language
                    ),
                },
                # An account's own choice wins once there is one.
                language=(invitation.accepted_by.language if invitation.accepted_by else None)
                or invitation.language,
                kind="invitation_reminder",
                dedup_key=f"invitation:{invitation.pk}:reminder",
                conference=invitation.conference,
                user=invitation.accepted_by,
            )
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at", "updated_at"])
            reminded += 1
    return expired, reminded
