"""
Writes of the door and the exports: check-in, the audit entry of every
export and gate-list download, the erasure of ID document data once the
retention period is over, and the organisers' saved export presets.

Each function is one transaction and says what it guarantees.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Registration
from conference.core.errors import DomainError
from conference.core.models import ExportPreset
from conference.core.services import audit_record
from conference.portal.badges import normalise_badge_code

# Audit actions, read back by the dashboard and the gate-list page.
EXPORT_ATTENDEES = "export.attendees"
EXPORT_BADGES = "export.badges"
EXPORT_MEETINGS = "export.meetings"
GATELIST_DOWNLOAD = "gatelist.download"
CHECKIN_RECORD = "checkin.record"
CHECKIN_REFUSED = "checkin.refused"


# Check-in ---------------------------------------------------------------------------------


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
                summary=f"Check-in refused ({registration.status}): {registration.user}",
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
            summary=f"Checked in: {registration.user.display_name}",
        )
    return CheckinResult(Outcome.CHECKED_IN, registration)


# Export audit ------------------------------------------------------------------------------


def export_record(*, conference, actor, action, fmt, rows, filters=None, extra=None):
    """
    Write the audit entry of one export or gate-list download: who, when (the
    entry's time), the format, the filters and the number of rows. Called
    before the first byte is sent, so an interrupted download is on record too.
    """
    what = {
        EXPORT_ATTENDEES: "Attendee list",
        EXPORT_BADGES: "Badges",
        EXPORT_MEETINGS: "Meeting schedule",
        GATELIST_DOWNLOAD: "Gate list",
    }.get(action, action)
    data = {"format": fmt, "rows": rows, "filters": filters or {}, **(extra or {})}
    with transaction.atomic():
        return audit_record(
            actor=actor,
            conference=conference,
            action=action,
            summary=f"{what} ({fmt.upper()}), {rows} rows",
            data=data,
        )


# Export presets ----------------------------------------------------------------------------


class PresetNameTaken(DomainError):
    pass


SUGGESTED_PRESETS = [
    (
        ExportPreset.Audience.CATERING,
        "Catering",
        {
            "columns": ["name", "organisation", "dietary_needs", "access_needs"],
            "status": ["approved"],
            "order": "name",
        },
    ),
    (
        ExportPreset.Audience.PROTOCOL,
        "Protocol: VIPs by delegation",
        {
            "columns": ["name", "job_title", "organisation", "country", "kind", "checked_in_at"],
            "status": ["approved"],
            "vip": "yes",
            "order": "delegation",
        },
    ),
    (
        ExportPreset.Audience.SESSION_ROOMS,
        "Session rooms: sign-ups per session",
        {
            "columns": ["name", "organisation", "kind", "access_needs"],
            "status": ["approved"],
            "layout": "signups",
            "order": "name",
        },
    ),
]


def preset_save(*, conference, actor, name, audience, params, preset=None):
    """
    Create a preset, or update `preset`, with `params` (ExportParams.as_query()
    of the chosen columns and filters). Names are unique per conference,
    ignoring case: a clash raises PresetNameTaken and changes nothing.
    """
    try:
        with transaction.atomic():
            if preset is None:
                preset = ExportPreset(conference=conference, created_by=actor)
            preset.name = name.strip()
            preset.audience = audience
            preset.params = params
            created = preset.pk is None
            preset.save()
            audit_record(
                actor=actor,
                conference=conference,
                action="export.preset_created" if created else "export.preset_updated",
                obj=preset,
                summary=f"Export preset “{preset.name}”",
                data={"params": params},
            )
    except IntegrityError as exc:
        raise PresetNameTaken(
            _("There is already a preset called “%(name)s”.") % {"name": name}
        ) from exc
    return preset


def preset_delete(*, preset, actor):
    with transaction.atomic():
        audit_record(
            actor=actor,
            conference=preset.conference,
            action="export.preset_deleted",
            obj=preset,
            summary=f"Export preset “{preset.name}” deleted",
        )
        preset.delete()


def presets_create_suggested(*, conference, actor):
    """Add the suggested presets (catering, protocol, session rooms) that are missing by name."""
    existing = {name.lower() for name in conference.export_presets.values_list("name", flat=True)}
    created = []
    for audience, name, params in SUGGESTED_PRESETS:
        if name.lower() in existing:
            continue
        try:
            created.append(
                preset_save(
                    conference=conference, actor=actor, name=name, audience=audience, params=params
                )
            )
        except PresetNameTaken:
            continue  # created by someone else meanwhile: theirs stands
    return created
