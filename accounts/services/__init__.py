"""
Writes of the accounts app, one module per use case:

- `invitations`: invite one person, resend, revoke, follow the link, accept,
  and the beat's sweep (expiry and reminders);
- `invitation_import`: invitations from a CSV file;
- `invitation_jobs`: the bulk send, a background job with progress;
- `email_addresses`: an invited address freed for its invitee;
- `registrations`: the registration workflow (pending → approved /
  waitlisted / rejected, withdrawn) and the registration policy;
- `job_title`: a delegate's job title, from their B2B profile;
- `language`: the language a person reads the portal and emails in;
- `id_data`: erasing ID document data after the retention period;
- `questions`: the organisers' custom registration questions, and the
  delegates' answers (saved by `registrations` in its transaction).

Each public function runs in one transaction, except the bulk and sweep
ones, which say how they split their work. Every email is an outbox row
written in the transaction that causes it (`conference.core.services.email_queue`,
or `email_queue_many` for a bulk send); every registration status change is
in the audit log and emails the delegate. Locks are taken in the order of
`locking`: the conference row, then invitation or registration rows.

Callers import from here (`from accounts import services`); the modules
share their private helpers among themselves only.
"""

from accounts.errors import InvitationError, QuestionError, RegistrationError
from accounts.models import JOB_INVITATIONS_SEND
from accounts.services.email_addresses import email_address_release
from accounts.services.id_data import (
    ID_DATA_ERASED,
    id_data_expired,
    id_data_purge,
    id_retention_deadline,
)
from accounts.services.invitation_import import (
    CSV_MAX_BYTES,
    CSV_MAX_ROWS,
    ImportReport,
    RowError,
    invitation_csv_parse,
    invitation_import_csv,
)
from accounts.services.invitation_jobs import (
    JOB_RESUME_AFTER,
    SEND_BATCH,
    invitation_send_job_run,
    invitation_send_job_start,
    invitation_send_jobs_resume,
)
from accounts.services.invitations import (
    INVITATION_VALID_DAYS,
    REMINDER_AFTER,
    invitation_accept,
    invitation_create,
    invitation_lock_usable,
    invitation_open,
    invitation_resend,
    invitation_revoke,
    invitation_sweep,
)
from accounts.services.job_title import registration_job_title_set
from accounts.services.language import user_language_set
from accounts.services.questions import (
    answers_save,
    question_create,
    question_delete,
    question_move,
    question_set_active,
    question_update,
)
from accounts.services.registrations import (
    DELEGATE_TRANSITIONS,
    ORGANISER_TRANSITIONS,
    registration_bulk_transition,
    registration_can_register,
    registration_confirm_organisation,
    registration_create,
    registration_request_deletion,
    registration_settings_update,
    registration_transition,
    registration_update,
)

__all__ = [
    "CSV_MAX_BYTES",
    "CSV_MAX_ROWS",
    "DELEGATE_TRANSITIONS",
    "ID_DATA_ERASED",
    "INVITATION_VALID_DAYS",
    "JOB_INVITATIONS_SEND",
    "JOB_RESUME_AFTER",
    "ORGANISER_TRANSITIONS",
    "REMINDER_AFTER",
    "SEND_BATCH",
    "ImportReport",
    "InvitationError",
    "QuestionError",
    "RegistrationError",
    "RowError",
    "answers_save",
    "email_address_release",
    "id_data_expired",
    "id_data_purge",
    "id_retention_deadline",
    "invitation_accept",
    "invitation_create",
    "invitation_csv_parse",
    "invitation_import_csv",
    "invitation_lock_usable",
    "invitation_open",
    "invitation_resend",
    "invitation_revoke",
    "invitation_send_job_run",
    "invitation_send_job_start",
    "invitation_send_jobs_resume",
    "invitation_sweep",
    "question_create",
    "question_delete",
    "question_move",
    "question_set_active",
    "question_update",
    "registration_bulk_transition",
    "registration_can_register",
    "registration_confirm_organisation",
    "registration_create",
    "registration_job_title_set",
    "registration_request_deletion",
    "registration_settings_update",
    "registration_transition",
    "registration_update",
    "user_language_set",
]
