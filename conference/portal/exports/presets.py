"""
Export presets: the columns and filters one audience needs, saved under a
name by the organisers (reads and writes; each write is one transaction
with its audit entry).
"""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from conference.core.errors import DomainError
from conference.core.models import ExportPreset
from conference.core.services import audit_message, audit_record


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


# Reads ----------------------------------------------------------------------------------


def preset_list(*, conference):
    return conference.export_presets.all()


def preset_get(*, conference, preset_id):
    """One preset of `conference`, or 404 (a preset of another conference included)."""
    return get_object_or_404(ExportPreset, conference=conference, pk=preset_id)


def preset_name_taken(*, conference, name, preset=None):
    """Whether another preset of `conference` has `name`, ignoring case."""
    clash = conference.export_presets.filter(name__iexact=name)
    if preset is not None:
        clash = clash.exclude(pk=preset.pk)
    return clash.exists()


# Writes ---------------------------------------------------------------------------------


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
                summary=audit_message(gettext_noop("Export preset “%(name)s”"), name=preset.name),
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
            summary=audit_message(
                gettext_noop("Export preset “%(name)s” deleted"), name=preset.name
            ),
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
