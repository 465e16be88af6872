"""
Pages of the accounts app, by audience:

- `public`: the invitation link, sign-up from it, switching account, the
  language switch and the account's email address;
- `delegate`: a delegate's registration, withdrawing, their personal data;
- `organiser`: the organisers' invitations and registrations;
- `questions`: the organisers' custom registration questions.

Views parse, authorise (conference_view), call one service or selector,
render. The URLconfs import them from here (`from accounts import views`).
"""

from accounts.views.delegate import personal_data, register, request_deletion, withdraw
from accounts.views.organiser import (
    PAGE_SIZE,
    TRANSITION_ACTIONS,
    invitation_resend,
    invitation_revoke,
    invitations,
    invitations_import,
    invitations_job,
    invitations_send,
    invitations_template,
    registration_confirm_organisation,
    registration_detail,
    registration_transition,
    registrations,
    registrations_bulk,
    registrations_settings,
)
from accounts.views.public import (
    InvitationSignupView,
    email,
    invitation,
    invitation_switch_account,
    language_set,
    signup,
)

__all__ = [
    "PAGE_SIZE",
    "TRANSITION_ACTIONS",
    "InvitationSignupView",
    "email",
    "invitation",
    "invitation_resend",
    "invitation_revoke",
    "invitation_switch_account",
    "invitations",
    "invitations_import",
    "invitations_job",
    "invitations_send",
    "invitations_template",
    "language_set",
    "personal_data",
    "register",
    "registration_confirm_organisation",
    "registration_detail",
    "registration_transition",
    "registrations",
    "registrations_bulk",
    "registrations_settings",
    "request_deletion",
    "signup",
    "withdraw",
]
