"""A delegate's own settings of their schedule: its feed address and time zone."""

from django.db import transaction

from accounts.models import new_token
from conference.core import timezones
from conference.core.services import audit_record


def calendar_token_reset(*, registration):
    """Give the registration a new secret feed address; the old one stops working."""
    with transaction.atomic():
        registration.calendar_token = new_token()
        registration.save(update_fields=["calendar_token", "updated_at"])
        audit_record(
            actor=registration.user,
            conference=registration.conference,
            action="calendar.token_reset",
            obj=registration,
            summary=str(registration.user),
        )
    return registration


def viewer_time_zone_save(*, user, time_zone):
    """
    Remember the zone `user` sees times in on the agenda and their schedule,
    and in which their emails add their own time; "" is the conference's.
    Returns False (nothing saved) for a name that is not a known zone.
    """
    if time_zone and timezones.time_zone_or_none(time_zone) is None:
        return False
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return True
