"""
The core's models (app label "conference"), one module per idea:

- `conference`: the conference and its settings, rooms, staff roles;
- `organisations`: organisations, their kind and value-chain position;
- `outbox`: outgoing emails, and the organisers' email templates and their
  versions;
- `audit`: the audit log;
- `jobs`: background jobs and the periodic processes' heartbeats;
- `exports`: saved attendee export presets;
- `storage`: the files of the database storage;
- `messages`: messages stored as data (job progress, audit summaries) and
  shown in the reader's language.

Callers import from here (`from conference.core.models import Conference`);
migrations refer to the callables below by this path, so they stay
importable from it.
"""

from conference.core.models.audit import AuditLog
from conference.core.models.conference import (
    Conference,
    ConferenceRole,
    Role,
    Room,
    default_content_languages,
    default_reminder_offsets,
    validate_content_languages,
    validate_time_zone,
)
from conference.core.models.exports import ExportPreset
from conference.core.models.jobs import Heartbeat, Job
from conference.core.models.messages import message_english, message_parts, message_render
from conference.core.models.organisations import (
    Organisation,
    OrganisationKind,
    ValueChain,
    _image_path,
)
from conference.core.models.outbox import EmailTemplate, EmailTemplateVersion, OutgoingEmail
from conference.core.models.storage import StoredFile

__all__ = [
    "AuditLog",
    "Conference",
    "ConferenceRole",
    "EmailTemplate",
    "EmailTemplateVersion",
    "ExportPreset",
    "Heartbeat",
    "Job",
    "Organisation",
    "OrganisationKind",
    "OutgoingEmail",
    "Role",
    "Room",
    "StoredFile",
    "ValueChain",
    "_image_path",
    "default_content_languages",
    "default_reminder_offsets",
    "message_english",
    "message_parts",
    "message_render",
    "validate_content_languages",
    "validate_time_zone",
]
