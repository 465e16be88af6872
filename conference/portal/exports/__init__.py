"""
Attendee exports, the security gate list, per-organisation meeting schedules
and their presets, one module per use case; what callers use is re-exported
here (`exports.attendee_table(...)`, `exports.export_record(...)`).

- `columns`: the column registry (other code registers columns into it)
  and the typed `Table` every export is;
- `questions`: a column per custom registration question, for those who
  may read its answers;
- `params`: what an attendee export contains, its orderings and layouts;
- `attendees`: the attendee list and the chooser's choices (reads);
- `gatelist`: the gate list, with ID document data (reads);
- `meetings`: an organisation's B2B meeting schedule (reads);
- `writers`: CSV (streamed), XLSX and PDF;
- `audit`: the audit entry of every download (a write);
- `presets`: the organisers' saved exports (reads and writes).

Privacy: the meeting-count column is a count and nothing else (never whom
someone meets); ID document fields exist only in the gate list.
"""

from conference.portal.exports.attendees import (
    CHUNK_SIZE,
    attendee_count,
    attendee_table,
    badge_registrations,
    country_choices,
    describe_filters,
    session_choices,
)
from conference.portal.exports.audit import (
    EXPORT_ATTENDEES,
    EXPORT_BADGES,
    EXPORT_MEETINGS,
    GATELIST_DOWNLOAD,
    export_record,
)
from conference.portal.exports.columns import (
    DEFAULT_COLUMNS,
    Column,
    Table,
    attendee_columns,
    attendee_columns_for,
    register_attendee_column,
    register_attendee_column_source,
)
from conference.portal.exports.gatelist import gatelist_table
from conference.portal.exports.meetings import (
    organisation_for_schedule,
    organisation_meetings_table,
    organisations_with_meetings,
)
from conference.portal.exports.params import LAYOUTS, ORDERS, ExportParams
from conference.portal.exports.presets import (
    PresetNameTaken,
    preset_delete,
    preset_get,
    preset_list,
    preset_name_taken,
    preset_save,
    presets_create_suggested,
)
from conference.portal.exports.questions import question_columns
from conference.portal.exports.writers import (
    CONTENT_TYPES,
    export_filename,
    stream_csv,
    write_pdf,
    write_xlsx,
)

__all__ = [
    "CHUNK_SIZE",
    "CONTENT_TYPES",
    "DEFAULT_COLUMNS",
    "EXPORT_ATTENDEES",
    "EXPORT_BADGES",
    "EXPORT_MEETINGS",
    "GATELIST_DOWNLOAD",
    "LAYOUTS",
    "ORDERS",
    "Column",
    "ExportParams",
    "PresetNameTaken",
    "Table",
    "attendee_columns",
    "attendee_columns_for",
    "attendee_count",
    "attendee_table",
    "badge_registrations",
    "country_choices",
    "describe_filters",
    "export_filename",
    "export_record",
    "gatelist_table",
    "organisation_for_schedule",
    "organisation_meetings_table",
    "organisations_with_meetings",
    "preset_delete",
    "preset_get",
    "preset_list",
    "preset_name_taken",
    "preset_save",
    "presets_create_suggested",
    "question_columns",
    "register_attendee_column",
    "register_attendee_column_source",
    "session_choices",
    "stream_csv",
    "write_pdf",
    "write_xlsx",
]
