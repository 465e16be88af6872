"""
The permission walk's table: for every URL of the project, the status each
persona gets. tests/test_permissions_walk.py requests every URL as each
persona and compares; the security tests (CSP, URL fuzzing) walk the same
URLs with the same world. The `world` fixture (tests/conftest.py) builds a
World (tests/helpers/permission_world.py).

HOW TO EXTEND (adding a URL makes `test_every_url_has_an_expectation` fail
until you add its row here):

1. Add a row to EXPECTATIONS keyed by the URL's name with its namespace
   ("b2b_meetings:request"), or by its route when it has no name:

       "b2b_meetings:request": Row(E(302, 200, 404, 403, 403, 403),
                                   kwargs=lambda w: {"request_id": w.request.pk}),

   E(...) lists the expected status for the six personas, in this order:
   anonymous, delegate, other delegate, check-in staff, security officer,
   organiser. Use the shorthands below (PUBLIC, ORGANISER_ONLY, ...) when
   they fit; `method="post"` for views that only accept POST (the walk posts
   no data, so a refused POST and an accepted-but-invalid one differ).
2. `kwargs` builds the URL's arguments from the world `w` (see World); a
   `slug` argument is filled in for you, and arguments you do not give get a
   dummy value. Objects in the world belong to `w.delegate` (or to staff),
   so for "another delegate" an object URL must be a 404, never a 403.
3. If your URL needs an object the world lacks, add it in `World.__init__`
   (tests/helpers/permission_world.py).

Every request runs in a savepoint that is rolled back, with a fresh client,
so a POST in one row cannot change what another row sees. Organisers and
security officers hold a TOTP authenticator (the conference requires it).
"""

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PERSONAS = ("anonymous", "delegate", "other", "checkin", "security", "organiser")


def E(anonymous, delegate, other, checkin, security, organiser):
    return dict(zip(PERSONAS, (anonymous, delegate, other, checkin, security, organiser)))


def ALL(status):
    return E(*(status,) * 6)


@dataclass
class Row:
    expect: dict
    kwargs: Any = None
    method: str = "get"
    # Why the statuses are what they are, when it is not obvious.
    note: str = ""


# Shorthands for the common cases. 302 for anonymous = sent to log in.
PUBLIC = ALL(200)
ORGANISER_ONLY = E(302, 403, 403, 403, 403, 200)
SECURITY_ONLY = E(302, 403, 403, 403, 200, 403)
CHECKIN_DESK = E(302, 403, 403, 200, 403, 200)
DELEGATES = E(302, 200, 200, 403, 403, 403)
DELEGATES_AND_ORGANISER = E(302, 200, 200, 403, 403, 200)
LOGGED_IN = E(302, 200, 200, 200, 200, 200)
ANONYMOUS_ONLY = E(200, 302, 302, 302, 302, 302)


def post(expect, **kwargs):
    return Row(expect, method="post", **kwargs)


def organiser_post(ok=302, **kwargs):
    """A POST only organisers may make; `ok` is what an organiser gets with no data."""
    return post(E(302, 403, 403, 403, 403, ok), **kwargs)


# The email wording pages' arguments: a kind every conference has, in Japanese.
EMAIL_KIND = {"kind": "invitation", "language": "ja"}

EXPECTATIONS = {
    # --- Project pages -----------------------------------------------------------------
    "index": Row(ALL(302), note="one upcoming conference: straight to it"),
    "healthz": Row(PUBLIC),
    "livez": Row(PUBLIC),
    "readyz": Row(PUBLIC),
    "metrics": Row(PUBLIC, note="the test client's address is local; others need METRICS_TOKEN"),
    "favicon": Row(ALL(301), note="to the static icon"),
    "manifest": Row(PUBLIC),
    "service_worker": Row(PUBLIC),
    "set_language": post(ALL(302)),
    # --- The Django admin: staff users only (no persona is is_staff) --------------------
    "admin:login": Row(
        E(302, 403, 403, 403, 403, 403),
        note="allauth's login (with its second factor) serves it; non-staff are refused",
    ),
    "admin:logout": post(ALL(302)),
    "admin:*": Row(ALL(302), note="every other admin page sends non-staff to the admin login"),
    # --- allauth: log-in, sign-up, password, email ---------------------------------------
    "account_login": Row(ANONYMOUS_ONLY),
    "account_signup": Row(ANONYMOUS_ONLY, note="shows 'invitation required' without one"),
    "account_logout": Row(E(302, 200, 200, 200, 200, 200)),
    "account_inactive": Row(PUBLIC),
    "account_reauthenticate": Row(LOGGED_IN),
    "account_email": Row(LOGGED_IN),
    "account_email_verification_sent": Row(PUBLIC),
    "account_change_password": Row(LOGGED_IN),
    "account_set_password": Row(E(302, 302, 302, 302, 302, 302), note="all have passwords"),
    "account_reset_password": Row(PUBLIC),
    "account_reset_password_done": Row(PUBLIC),
    "account_reset_password_from_key": Row(PUBLIC, note="a bad key gets its own page"),
    "account_reset_password_from_key_done": Row(PUBLIC),
    "account_confirm_email": Row(PUBLIC, note="a bad key gets its own page"),
    "account_confirm_login_code": Row(ALL(302), note="no login code was sent"),
    # --- allauth.mfa: staff second factor -----------------------------------------------
    "mfa_index": Row(LOGGED_IN),
    "mfa_authenticate": Row(ALL(302), note="no login waiting for a second factor"),
    "mfa_reauthenticate": Row(E(302, 302, 302, 302, 200, 200), note="only with a factor"),
    "mfa_activate_totp": Row(ALL(302), note="asks for the password again first"),
    "mfa_deactivate_totp": Row(E(302, 404, 404, 404, 302, 302), note="404: no TOTP to remove"),
    "mfa_view_recovery_codes": Row(E(302, 404, 404, 404, 404, 404), note="none generated"),
    "mfa_generate_recovery_codes": Row(ALL(302)),
    "mfa_download_recovery_codes": Row(E(302, 404, 404, 404, 404, 404)),
    # --- Invitations (the link) ------------------------------------------------------------
    "invitation": Row(
        PUBLIC,
        kwargs=lambda w: {"token": w.invitation.token},
        note="logged-in personas are not the invitee: told to switch account",
    ),
    "invitation_switch_account": post(ALL(302), kwargs=lambda w: {"token": w.invitation.token}),
    # --- Core: home, dashboard, outbox -------------------------------------------------------
    "conference:home": Row(PUBLIC),
    "conference:dashboard": Row(ORGANISER_ONLY),
    "conference:outbox": Row(ORGANISER_ONLY),
    "conference:outbox_email": Row(ORGANISER_ONLY, kwargs=lambda w: {"email_id": w.email.pk}),
    "conference:outbox_body": Row(ORGANISER_ONLY, kwargs=lambda w: {"email_id": w.email.pk}),
    "conference:outbox_resend": organiser_post(kwargs=lambda w: {"email_id": w.email.pk}),
    # --- Email wording (conference/portal/views/emails.py) ------------------------------------
    "conference:email_templates": Row(ORGANISER_ONLY),
    "conference:email_template": Row(ORGANISER_ONLY, kwargs=lambda w: EMAIL_KIND),
    "conference:email_template_preview": organiser_post(
        ok=200, kwargs=lambda w: EMAIL_KIND, note="nothing written: the standard email"
    ),
    "conference:email_template_preview_body": Row(
        E(302, 403, 403, 403, 403, 404),
        kwargs=lambda w: {"key": "0" * 32},
        note="404: no preview was rendered",
    ),
    "conference:email_template_test": organiser_post(
        ok=200, kwargs=lambda w: EMAIL_KIND, note="no wording: the editor with its errors"
    ),
    "conference:email_template_reset": organiser_post(kwargs=lambda w: EMAIL_KIND),
    "conference:email_template_restore": organiser_post(
        ok=404, kwargs=lambda w: {**EMAIL_KIND, "version_id": 1}, note="no version in the world"
    ),
    # --- Broadcasts (conference/portal/broadcasts/) --------------------------------------------
    "conference:broadcasts": Row(ORGANISER_ONLY),
    "conference:broadcast_new": Row(ORGANISER_ONLY),
    "conference:broadcast_audience": organiser_post(ok=200, note="the recipients, every status"),
    "conference:broadcast_preview": organiser_post(
        ok=200, kwargs=lambda w: {"language": "ja"}, note="no text yet: what is missing"
    ),
    "conference:broadcast": Row(ORGANISER_ONLY, kwargs=lambda w: {"broadcast_id": w.broadcast.pk}),
    "conference:broadcast_edit": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"broadcast_id": w.broadcast.pk}
    ),
    "conference:broadcast_send": organiser_post(
        kwargs=lambda w: {"broadcast_id": w.broadcast.pk}, note="no choice made: back, with why"
    ),
    "conference:broadcast_unschedule": organiser_post(
        kwargs=lambda w: {"broadcast_id": w.broadcast.pk}, note="a draft: refused, with why"
    ),
    "conference:broadcast_delete": organiser_post(
        kwargs=lambda w: {"broadcast_id": w.broadcast.pk}
    ),
    "conference:broadcast_test": organiser_post(
        kwargs=lambda w: {"broadcast_id": w.broadcast.pk, "language": "ja"}
    ),
    "conference:broadcast_progress": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"broadcast_id": w.broadcast.pk}
    ),
    # --- Exports, gate list, badges, check-in (conference/portal/urls_staff.py) -----------------
    "conference:exports": Row(ORGANISER_ONLY),
    "conference:exports_count": Row(ORGANISER_ONLY),
    "conference:attendees_csv": Row(ORGANISER_ONLY),
    "conference:attendees_xlsx": Row(ORGANISER_ONLY),
    "conference:attendees_pdf": Row(ORGANISER_ONLY),
    "conference:badges_pdf": Row(ORGANISER_ONLY),
    "conference:meetings_csv": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"organisation_id": w.organisation.pk}
    ),
    "conference:meetings_pdf": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"organisation_id": w.organisation.pk}
    ),
    "conference:export_prepare": organiser_post(ok=400, note="no format posted"),
    "conference:export_file": Row(ORGANISER_ONLY, kwargs=lambda w: {"job_id": w.export_job.pk}),
    "conference:export_job_progress": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"job_id": w.export_job.pk}
    ),
    "conference:preset_new": Row(ORGANISER_ONLY),
    "conference:presets_suggested": organiser_post(),
    "conference:preset_edit": Row(ORGANISER_ONLY, kwargs=lambda w: {"preset_id": w.preset.pk}),
    "conference:preset_delete": organiser_post(kwargs=lambda w: {"preset_id": w.preset.pk}),
    "conference:gatelist": Row(SECURITY_ONLY),
    "conference:gatelist_csv": Row(SECURITY_ONLY),
    "conference:gatelist_pdf": Row(SECURITY_ONLY),
    "conference:checkin": Row(CHECKIN_DESK),
    "conference:checkin_search": Row(CHECKIN_DESK),
    "conference:checkin_scan": post(CHECKIN_DESK),
    "conference:checkin_arrivals": Row(CHECKIN_DESK),
    "conference:checkin_person": post(
        CHECKIN_DESK, kwargs=lambda w: {"registration_id": w.registration.pk}
    ),
    "conference:my_badge": Row(DELEGATES),
    "conference:my_badge_page": Row(DELEGATES),
    "conference:my_meetings_csv": Row(DELEGATES),
    "conference:my_meetings_pdf": Row(DELEGATES),
    # --- Registration (a delegate's own) ------------------------------------------------------
    "accounts:register": Row(
        E(302, 200, 200, 403, 403, 403), note="staff were not invited as delegates"
    ),
    "accounts:withdraw": post(E(302, 302, 302, 403, 403, 403)),
    "accounts:personal_data": Row(E(302, 200, 200, 403, 403, 403)),
    "accounts:request_deletion": post(E(302, 302, 302, 403, 403, 403)),
    # --- Invitations and registrations (organisers) -------------------------------------------
    "accounts:invitations": Row(ORGANISER_ONLY),
    "accounts:invitations_import": organiser_post(ok=200, note="the form, with its error"),
    "accounts:invitations_template": Row(ORGANISER_ONLY),
    "accounts:invitations_send": organiser_post(),
    "accounts:invitations_job": Row(ORGANISER_ONLY, kwargs=lambda w: {"job_id": w.job.pk}),
    "accounts:invitation_resend": organiser_post(
        kwargs=lambda w: {"invitation_id": w.invitation.pk}
    ),
    "accounts:invitation_revoke": organiser_post(
        kwargs=lambda w: {"invitation_id": w.invitation.pk}
    ),
    "accounts:registrations": Row(ORGANISER_ONLY),
    "accounts:registrations_bulk": organiser_post(),
    "accounts:registrations_settings": organiser_post(),
    "accounts:registration": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"registration_id": w.registration.pk}
    ),
    "accounts:registration_transition": organiser_post(
        kwargs=lambda w: {"registration_id": w.registration.pk}
    ),
    "accounts:registration_confirm_organisation": organiser_post(
        kwargs=lambda w: {"registration_id": w.registration.pk}
    ),
    # --- Registration questions (organisers) ------------------------------------------------
    "accounts:questions": Row(ORGANISER_ONLY),
    "accounts:question_edit": Row(ORGANISER_ONLY, kwargs=lambda w: {"question_id": w.question.pk}),
    "accounts:question_move": organiser_post(kwargs=lambda w: {"question_id": w.question.pk}),
    "accounts:question_active": organiser_post(kwargs=lambda w: {"question_id": w.question.pk}),
    "accounts:question_delete": organiser_post(
        kwargs=lambda w: {"question_id": w.question.pk},
        note="refused with a message: the delegate answered it",
    ),
    # --- Agenda (sessions_app) ----------------------------------------------------------------
    "sessions_app:agenda": Row(PUBLIC),
    "sessions_app:agenda_ics": Row(PUBLIC),
    "sessions_app:agenda_json": Row(PUBLIC),
    "sessions_app:schedule_xml": Row(PUBLIC),
    "sessions_app:schedule_json": Row(PUBLIC),
    "sessions_app:session": Row(PUBLIC, kwargs=lambda w: {"session_id": w.session.pk}),
    "sessions_app:session_ics": Row(PUBLIC, kwargs=lambda w: {"session_id": w.session.pk}),
    "sessions_app:agenda_grid": Row(PUBLIC),
    "sessions_app:agenda_now": Row(PUBLIC),
    "sessions_app:speakers": Row(PUBLIC),
    "sessions_app:speaker": Row(PUBLIC, kwargs=lambda w: {"speaker_id": w.speaker.pk}),
    "sessions_app:speaker_photo": Row(
        PUBLIC, kwargs=lambda w: {"speaker_id": w.speaker.pk, "size": "small"}
    ),
    "sessions_app:signup": post(
        E(302, 302, 302, 403, 403, 403), kwargs=lambda w: {"session_id": w.session.pk}
    ),
    "sessions_app:my_schedule": Row(DELEGATES),
    "sessions_app:signup_cancel": post(
        E(302, 302, 404, 403, 403, 403), kwargs=lambda w: {"signup_id": w.signup.pk}
    ),
    "sessions_app:calendar_reset": post(E(302, 302, 302, 403, 403, 403)),
    "sessions_app:time_zone_save": post(E(302, 302, 302, 403, 403, 403)),
    "sessions_app:my_calendar": Row(
        PUBLIC,
        kwargs=lambda w: {"token": w.registration.calendar_token},
        note="the unguessable token is the key: calendar apps carry no login",
    ),
    "sessions_app:manage": Row(ORGANISER_ONLY),
    "sessions_app:conference_texts": Row(ORGANISER_ONLY),
    "sessions_app:manage_panels": Row(ORGANISER_ONLY),
    "sessions_app:publish": organiser_post(),
    "sessions_app:session_new": Row(ORGANISER_ONLY),
    "sessions_app:session_edit": Row(ORGANISER_ONLY, kwargs=lambda w: {"session_id": w.session.pk}),
    "sessions_app:session_move": organiser_post(kwargs=lambda w: {"session_id": w.session.pk}),
    "sessions_app:session_duplicate": organiser_post(kwargs=lambda w: {"session_id": w.session.pk}),
    "sessions_app:session_delete": organiser_post(kwargs=lambda w: {"session_id": w.session.pk}),
    "sessions_app:catalogue": Row(ORGANISER_ONLY, kwargs=lambda w: {"kind": "rooms"}),
    "sessions_app:catalogue_new": Row(ORGANISER_ONLY, kwargs=lambda w: {"kind": "rooms"}),
    "sessions_app:catalogue_edit": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"kind": "rooms", "pk": w.session.room_id}
    ),
    "sessions_app:catalogue_delete": organiser_post(
        kwargs=lambda w: {"kind": "rooms", "pk": w.session.room_id}
    ),
    # --- B2B meetings (b2b_meetings) -----------------------------------------------------------
    "b2b_meetings:directory": Row(DELEGATES_AND_ORGANISER),
    "b2b_meetings:organisation": Row(
        DELEGATES_AND_ORGANISER, kwargs=lambda w: {"organisation_id": w.third.organisation_id}
    ),
    "b2b_meetings:availability": Row(DELEGATES),
    "b2b_meetings:requests": Row(DELEGATES),
    "b2b_meetings:request_new_delegate": Row(
        DELEGATES, kwargs=lambda w: {"registration_id": w.third.pk}
    ),
    "b2b_meetings:request_new_organisation": Row(
        DELEGATES, kwargs=lambda w: {"organisation_id": w.third.organisation_id}
    ),
    "b2b_meetings:request": Row(
        E(302, 200, 404, 403, 403, 200),
        kwargs=lambda w: {"request_id": w.request.pk},
        note="its two sides answer it; organisers read it and its thread; anyone else 404",
    ),
    "b2b_meetings:request_accept": post(
        E(302, 404, 404, 403, 403, 403),
        kwargs=lambda w: {"request_id": w.request.pk},
        note="only its addressee may accept; the requester gets a 404 too",
    ),
    "b2b_meetings:request_decline": post(
        E(302, 404, 404, 403, 403, 403), kwargs=lambda w: {"request_id": w.request.pk}
    ),
    "b2b_meetings:request_withdraw": post(
        E(302, 302, 404, 403, 403, 403), kwargs=lambda w: {"request_id": w.request.pk}
    ),
    "b2b_meetings:request_accept_to_schedule": post(
        E(302, 404, 404, 403, 403, 403),
        kwargs=lambda w: {"request_id": w.request.pk},
        note="only its addressee may accept; the requester gets a 404 too",
    ),
    "b2b_meetings:request_message": post(
        E(302, 400, 404, 403, 403, 400),
        kwargs=lambda w: {"request_id": w.request.pk},
        note="participants and organisers may write (an empty message is a 400); "
        "another delegate learns nothing (404)",
    ),
    "b2b_meetings:meeting_message": post(
        E(302, 400, 404, 403, 403, 400),
        kwargs=lambda w: {"meeting_id": w.meeting.pk},
        note="participants and organisers may write; an empty message is a 400",
    ),
    "b2b_meetings:meeting": Row(
        E(302, 200, 404, 403, 403, 200), kwargs=lambda w: {"meeting_id": w.meeting.pk}
    ),
    "b2b_meetings:meeting_calendar": Row(
        E(302, 200, 404, 403, 403, 200), kwargs=lambda w: {"meeting_id": w.meeting.pk}
    ),
    "b2b_meetings:meeting_reschedule": Row(
        E(302, 200, 404, 403, 403, 403), kwargs=lambda w: {"meeting_id": w.meeting.pk}
    ),
    "b2b_meetings:meeting_cancel": post(
        E(302, 302, 404, 403, 403, 302), kwargs=lambda w: {"meeting_id": w.meeting.pk}
    ),
    "b2b_meetings:meeting_feedback": post(
        E(302, 400, 404, 403, 403, 403), kwargs=lambda w: {"meeting_id": w.meeting.pk}
    ),
    "b2b_meetings:manage": Row(ORGANISER_ONLY),
    "b2b_meetings:manage_setup": Row(ORGANISER_ONLY),
    "b2b_meetings:manage_slots": organiser_post(),
    "b2b_meetings:manage_tables_add": organiser_post(),
    "b2b_meetings:manage_table_toggle": organiser_post(
        kwargs=lambda w: {"table_id": w.meeting.table_id}
    ),
    "b2b_meetings:manage_stats": Row(ORGANISER_ONLY),
    "b2b_meetings:manage_feedback": Row(ORGANISER_ONLY),
    "b2b_meetings:manage_meeting_new": Row(ORGANISER_ONLY),
    "b2b_meetings:manage_meeting_move": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"meeting_id": w.meeting.pk}
    ),
    "b2b_meetings:manage_meeting_lock": organiser_post(
        kwargs=lambda w: {"meeting_id": w.meeting.pk}
    ),
    # Matchmaking: profiles, their images, the taxonomy, the pairing matrix
    "b2b_meetings:profile_edit": Row(DELEGATES),
    "b2b_meetings:organisation_edit": Row(
        E(302, 200, 404, 403, 403, 200),
        kwargs=lambda w: {"organisation_id": w.organisation.pk},
        note="its own delegates and the organisers; another delegate learns nothing (404)",
    ),
    "b2b_meetings:profile_photo": Row(
        E(302, 200, 404, 403, 403, 200),
        kwargs=lambda w: {"registration_id": w.registration.pk, "size": "small"},
        note="the delegate is not listed in the directory: they and the organisers only",
    ),
    "b2b_meetings:organisation_logo": Row(
        E(302, 200, 404, 403, 403, 200),
        kwargs=lambda w: {"organisation_id": w.organisation.pk, "size": "large"},
        note="no delegate of the organisation is listed: its own and the organisers only",
    ),
    "b2b_meetings:manage_taxonomy": Row(ORGANISER_ONLY),
    "b2b_meetings:manage_topic_edit": organiser_post(kwargs=lambda w: {"topic_id": w.topic.pk}),
    "b2b_meetings:manage_topic_move": organiser_post(kwargs=lambda w: {"topic_id": w.topic.pk}),
    "b2b_meetings:manage_topic_delete": organiser_post(kwargs=lambda w: {"topic_id": w.topic.pk}),
    "b2b_meetings:manage_matchmaking": Row(ORGANISER_ONLY),
    # Suggested meetings and the organisers' proposals
    "b2b_meetings:suggestions": Row(DELEGATES),
    "b2b_meetings:suggestions_json": Row(DELEGATES),
    "b2b_meetings:suggestion_dismiss": post(
        E(302, 302, 302, 403, 403, 403), kwargs=lambda w: {"registration_id": w.third.pk}
    ),
    "b2b_meetings:proposal": Row(
        E(302, 200, 404, 403, 403, 403), kwargs=lambda w: {"proposal_id": w.proposal.pk}
    ),
    "b2b_meetings:proposal_answer": post(
        E(302, 302, 404, 403, 403, 403),
        kwargs=lambda w: {"proposal_id": w.proposal.pk},
        note="each side answers with one click; anyone else learns nothing (404)",
    ),
    "b2b_meetings:manage_suggestions": Row(ORGANISER_ONLY),
    "b2b_meetings:manage_propose": organiser_post(),
    # --- The B2B auto-scheduler (b2b_meetings/scheduler) ---------------------------------------
    "b2b_meetings:scheduler:schedule": Row(ORGANISER_ONLY),
    "b2b_meetings:scheduler:run": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"job_id": w.schedule_run.pk}
    ),
    "b2b_meetings:scheduler:cancel": organiser_post(kwargs=lambda w: {"job_id": w.schedule_run.pk}),
    "b2b_meetings:scheduler:commit": organiser_post(kwargs=lambda w: {"job_id": w.schedule_run.pk}),
    "b2b_meetings:scheduler:discard": organiser_post(
        kwargs=lambda w: {"job_id": w.schedule_run.pk}
    ),
    "b2b_meetings:scheduler:proposal_csv": Row(
        ORGANISER_ONLY,
        kwargs=lambda w: {"job_id": w.schedule_run.pk},
        note="the world's run has an empty proposal: the CSV has its header only",
    ),
    # --- API tokens and webhooks (conference/api/urls.py) ----------------------------------------
    "api_manage:tokens": Row(
        E(302, 403, 403, 200, 200, 200), note="each staff role, for the scopes it may grant"
    ),
    "api_manage:token_revoke": Row(
        E(302, 403, 403, 404, 404, 200),
        kwargs=lambda w: {"token_id": w.api_token.pk},
        note="asks first; an organiser's token is not even shown to other staff (404)",
    ),
    "api_manage:webhooks": Row(ORGANISER_ONLY),
    "api_manage:webhook": Row(ORGANISER_ONLY, kwargs=lambda w: {"endpoint_id": w.endpoint.pk}),
    "api_manage:webhook_enable": organiser_post(kwargs=lambda w: {"endpoint_id": w.endpoint.pk}),
    "api_manage:webhook_disable": organiser_post(kwargs=lambda w: {"endpoint_id": w.endpoint.pk}),
    "api_manage:webhook_ping": organiser_post(kwargs=lambda w: {"endpoint_id": w.endpoint.pk}),
    "api_manage:webhook_rotate": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"endpoint_id": w.endpoint.pk}, note="asks first"
    ),
    "api_manage:webhook_delete": Row(
        ORGANISER_ONLY, kwargs=lambda w: {"endpoint_id": w.endpoint.pk}, note="asks first"
    ),
    "api_manage:webhook_message": Row(
        ORGANISER_ONLY,
        kwargs=lambda w: {"endpoint_id": w.endpoint.pk, "message_id": w.webhook_message.pk},
    ),
    "api_manage:webhook_redeliver": organiser_post(
        kwargs=lambda w: {"endpoint_id": w.endpoint.pk, "message_id": w.webhook_message.pk}
    ),
}


# The walk ---------------------------------------------------------------------------


@dataclass
class Pattern:
    key: str  # the name with namespaces, or the route for unnamed patterns
    route: str
    namespace: str
    pattern: Any = field(repr=False)
    converters: dict = field(default_factory=dict, repr=False)


def _patterns(resolvers=None, prefix="", namespace="", converters=None):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        found = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _patterns(entry.url_patterns, route, ns, found)
        elif isinstance(entry, URLPattern):
            key = f"{namespace}{entry.name}" if entry.name else route
            yield Pattern(
                key=key, route=route, namespace=namespace, pattern=entry, converters=found
            )


def all_patterns():
    seen, patterns = set(), []
    for pattern in _patterns():
        # allauth's sign-up is shadowed by the portal's (same name and route).
        if (pattern.key, pattern.route) not in seen:
            seen.add((pattern.key, pattern.route))
            patterns.append(pattern)
    return patterns


def row_for(pattern):
    if pattern.key in EXPECTATIONS:
        return EXPECTATIONS[pattern.key]
    # A whole namespace may share one row (the Django admin), named "<namespace>:*".
    return EXPECTATIONS.get(f"{pattern.namespace}*") if pattern.namespace else None


def pages(world, personas, *, get_only=True):
    """
    Every URL of the walk as each of `personas`: yields (persona, pattern, row,
    url, fetch), where fetch() requests the URL with the row's method, as that
    persona (their cookies as at login, whatever earlier pages set), in a
    transaction that is rolled back. With `get_only`, rows posted to are skipped.
    """
    for persona in personas:
        client = Client()
        if world.personas[persona] is not None:
            client.force_login(world.personas[persona])
        cookies = copy.deepcopy(client.cookies)
        for pattern in all_patterns():
            row = row_for(pattern)
            if row is None or (get_only and row.method != "get"):
                continue
            url = url_for(pattern, world)

            def fetch(client=client, cookies=cookies, method=row.method, url=url):
                client.cookies = copy.deepcopy(cookies)
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                return response

            yield persona, pattern, row, url, fetch


DUMMY = {"int": 1, "slug": "x", "str": "x", "path": "x", "uuid": "00000000-0000-0000-0000-0000"}


def url_for(pattern, world, override=None):
    row = row_for(pattern)
    given = {**(row.kwargs(world) if row.kwargs else {}), **(override or {})}
    if "(?P<" in pattern.route:  # a regex route: dummy values for its groups
        if pattern.pattern.name is None:
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", pattern.route)
            return "/" + route.replace("^", "").replace("$", "")
        # A group of alternatives (the admin's app labels) gets its first one.
        groups = re.findall(r"\(\?P<(\w+)>([^)]*)\)", pattern.route)
        kwargs = {
            name: body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "x1"
            for name, body in groups
        }
        return reverse(pattern.key, kwargs=kwargs)
    names = set(re.findall(r"<(?:(\w+):)?(\w+)>", pattern.route))
    kwargs = {}
    for converter, name in names:
        if name in given:
            kwargs[name] = given[name]
        elif name == "slug":
            kwargs[name] = world.conference.slug
        else:
            kwargs[name] = DUMMY.get(converter or "str", "x")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), pattern.route)
