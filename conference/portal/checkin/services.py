"""
The write of the door: check a badge holder in, once, with an audit entry
for each arrival and each refusal.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Registration
from conference.core import events
from conference.core.services import audit_message, audit_record
from conference.portal.badges import normalise_badge_code

# Audit actions; the dashboard leaves every "checkin." action out of its recent activity.
CHECKIN_ACTIONS = "checkin."
CHECKIN_RECORD = CHECKIN_ACTIONS + "record"
CHECKIN_REFUSED = CHECKIN_ACTIONS + "refused"


class Outcome:
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    NOT_APPROVED = "not_approved"
    UNKNOWN = "unknown"


@dataclass
class CheckinResult:
    outcome: str
    registration: Registration | None = None

    @property
    def ok(self):
        return self.outcome in (Outcome.CHECKED_IN, Outcome.ALREADY)


def checkin_record(*, conference, actor, badge_code=None, registration_id=None):
    """
    Check in the holder of `badge_code` (or the registration `registration_id`)
    at `conference`. Only approved registrations are checked in; a second
    check-in changes nothing and reports the time of the first, so scanning
    twice is harmless. The registration row is locked, so two devices
    scanning the same badge at once record one arrival. Each arrival and each
    refusal (not approved) is written to the audit log. A code or id of
    another conference is UNKNOWN, as is no code at all.
    """
    registrations = Registration.objects.filter(conference=conference)
    if badge_code is not None:
        code = normalise_badge_code(badge_code)
        if not code:
            return CheckinResult(Outcome.UNKNOWN)
        registrations = registrations.filter(badge_code=code)
    elif registration_id is not None:
        registrations = registrations.filter(pk=registration_id)
    else:
        return CheckinResult(Outcome.UNKNOWN)

    with transaction.atomic():
        # The row alone, then its relations under the lock: a lock query with
        # the organisation joined would lose one changed while it waited.
        locked = registrations.select_for_update().values_list("pk", flat=True).first()
        if locked is None:
            return CheckinResult(Outcome.UNKNOWN)
        registration = Registration.objects.select_related("user", "organisation").get(pk=locked)
        if registration.checked_in_at is not None:
            return CheckinResult(Outcome.ALREADY, registration)
        if not registration.is_approved:
            audit_record(
                actor=actor,
                conference=conference,
                action=CHECKIN_REFUSED,
                obj=registration,
                summary=audit_message(
                    gettext_noop("Check-in refused (%(status)s): %(name)s"),
                    status=registration.status,
                    name=registration.user,
                ),
                data={"status": registration.status},
            )
            return CheckinResult(Outcome.NOT_APPROVED, registration)
        registration.checked_in_at = timezone.now()
        registration.save(update_fields=["checked_in_at", "updated_at"])
        audit_record(
            actor=actor,
            conference=conference,
            action=CHECKIN_RECORD,
            obj=registration,
            summary=audit_message(
                gettext_noop("Checked in: %(name)s"), name=registration.user.display_name
            ),
        )
        events.event_publish(conference=conference, **_checkin_event(registration))
    return CheckinResult(Outcome.CHECKED_IN, registration)


def _checkin_event(registration):
    """The domain event of an arrival (webhooks): ids and time only."""
    return {
        "type": events.CHECKIN_CREATED,
        "resource": f"registration:{registration.pk}",
        "data": {
            "registration": registration.pk,
            "user": registration.user_id,
            "organisation": registration.organisation_id,
            "checked_in_at": registration.checked_in_at.isoformat(),
        },
    }
