"""
The URL fuzz's material (tests/security/test_fuzz_urls.py): every parameter a
view reads by hand (`PARAMETERS`, checked against the views' source by
`DIRECT_READ`), the hostile values of the fixed sweep (`VALUE_TROUBLEMAKERS`,
`ARGUMENT_TROUBLEMAKERS`) and of hypothesis's walk (`walks`), how a pattern
becomes a URL (`path`, `real_arguments`, `argument_kinds`, `query`), and
what must hold after each request (`Exchanges`: no server error, a GET
changes no row, a POST leaves counters and meetings whole). The fixtures
that use them stay in the test module.
"""

import copy
import itertools
import re
import traceback
from urllib.parse import quote

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Q
from hypothesis import strategies as st

from b2b_meetings.models import Meeting, MeetingSlot
from sessions_app.models import Session, SessionSignup
from tests.helpers.permission_walk import all_patterns, row_for

# Every parameter a view reads from the query string or the form, and where.
PARAMETERS = [
    "page",  # Paginator.get_page: invitations, registrations (accounts/views/),
    #          the B2B directory (b2b_meetings/views/), the outbox (conference/portal/views/)
    "q",  # Invitation-, Registration-, Directory-, OutboxFilterForm, CheckinSearchForm,
    #       AgendaFilters (sessions_app/selectors/)
    "status",  # Invitation-, Registration-, OutboxFilterForm; ExportForm (portal/forms.py)
    "kind",  # RegistrationFilterForm, DirectoryFilterForm, ExportForm, GateListForm,
    #          AgendaFilters
    "country",  # RegistrationFilterForm, DirectoryFilterForm, ExportForm, GateListForm
    "deletion",  # RegistrationFilterForm (accounts/forms.py)
    "track",  # AgendaFilters (the agenda page)
    "tz",  # _viewer_tz (sessions_app/views/): agenda, session, my schedule
    "day",  # agenda_manage (sessions_app/views/organiser.py)
    "room",  # SessionMoveForm: session_new's GET, session_move's POST
    "starts_at",  # SessionMoveForm
    "ends_at",  # SessionMoveForm
    "slot",  # manage_meeting_new's initial, MeetingMoveForm, request_accept,
    #          meeting_reschedule (b2b_meetings/views/)
    "table",  # manage_meeting_new's initial, MeetingMoveForm
    "confirm",  # MeetingCreateForm, MeetingMoveForm
    "columns",  # ExportForm: attendees.csv/.xlsx/.pdf, exports count, presets
    "session",  # ExportForm
    "checked_in",  # ExportForm
    "vip",  # ExportForm
    "order",  # ExportForm
    "layout",  # ExportForm
    "sheet",  # BadgeForm: badges.pdf
    "next",  # allauth's login, logout, sign-up; set_language; signup_cancel and
    #          the organisers' list actions (_back, accounts/views/)
    "language",  # language_set (accounts/views/)
    "time_zone",  # time_zone_save (sessions_app/views/)
    "code",  # checkin_scan (conference/portal/views/checkin.py)
    "unavailable",  # AvailabilityForm (b2b_meetings/forms.py)
    "action",  # registration_transition, RegistrationBulkForm, manage_slots
    "registrations",  # RegistrationBulkForm
    "locked",  # manage_meeting_lock
    "mode",  # manage_tables_add
    "reason",  # DeclineForm, CancelForm
    "outcome",  # FeedbackForm
    "note",  # FeedbackForm, MeetingCreateForm
    "agenda",  # MeetingRequestForm
    "priority",  # MeetingRequestForm
    "first",  # MeetingCreateForm
    "second",  # MeetingCreateForm
    "name",  # PresetForm, the catalogue forms (rooms, tracks, speakers)
    "audience",  # PresetForm
    "login",  # allauth's LoginForm
    "username",  # the admin's login form
    "password",  # allauth's and the admin's login forms
    "email",  # allauth's sign-up and password reset, InvitationForm
    "key",  # allauth's confirmation and reset keys
    "token",  # the invitation (session) and MFA codes
    "proposed",  # MeetingRequestForm: proposed times
    "body",  # MessageForm: request and meeting threads
    "answer",  # proposal_answer (b2b_meetings/matchmaking/views/suggestions.py)
    "delegate",  # manage_suggestions
    "suggested",  # request_new_delegate's GET: the agenda from a suggestion
    "show",  # the B2B directory: organisations or people
    "sort",  # the B2B directory
    "topic",  # the B2B directory
    "value_chain",  # the B2B directory, OrganisationProfileForm
    "bio",  # DelegateProfileForm (b2b_meetings/matchmaking/forms.py)
    "job_title",  # DelegateProfileForm
    "languages",  # DelegateProfileForm
    "topics",  # DelegateProfileForm
    "offers",  # DelegateProfileForm, OrganisationProfileForm
    "seeks",  # DelegateProfileForm, OrganisationProfileForm
    "remove_photo",  # DelegateProfileForm
    "is_new_entrant",  # OrganisationProfileForm
    "website",  # OrganisationProfileForm
    "offers_ja",  # OrganisationProfileForm
    "seeks_ja",  # OrganisationProfileForm
    "offered",  # OrganisationProfileForm
    "sought",  # OrganisationProfileForm
    "remove_logo",  # OrganisationProfileForm
    "label_en",  # TopicForm
    "label_ja",  # TopicForm
    "direction",  # TopicMoveForm
    "pair_mining__oem",  # MatchmakingForm: one cell of the matrix
    "boost0_a",  # MatchmakingForm
    "boost0_b",  # MatchmakingForm
    "boost0_weight",  # MatchmakingForm
    "subject",  # EmailTemplateForm (conference/core/forms.py): the email wording pages
    "sample",  # EmailTemplateForm, _sample_at (conference/portal/views/emails.py)
    "title",  # BroadcastForm (conference/portal/broadcasts/forms.py)
    "subject_en",  # BroadcastForm
    "body_en",  # BroadcastForm
    "subject_ja",  # BroadcastForm
    "body_ja",  # BroadcastForm
    "meetings",  # BroadcastForm, AudienceForm
    "when",  # SendForm (broadcasts)
    "send_at",  # SendForm
    "help_en",  # QuestionForm (accounts/forms.py)
    "help_ja",  # QuestionForm
    "choices_text",  # QuestionForm
    "required",  # QuestionForm
    "visible_to",  # QuestionForm
    "active",  # question_active (accounts/views/questions.py)
    "reoptimise",  # the scheduler's options (b2b_meetings/scheduler/forms.py)
    "boost",  # the scheduler's options
    "time_limit",  # the scheduler's options
    "lang",  # feed_language: the agenda's ICS, JSON and frab feeds (sessions_app/views/public.py)
    "prepare",  # the exports page's prepared format (conference/portal/views/exports.py)
    "format",  # export_prepare's POST (conference/portal/views/exports.py)
    "running",  # the invitations' bulk-send job poll (accounts/views/)
]


# A view's direct read of a parameter: request.GET.get("x"), request.POST["x"], .getlist("x").
DIRECT_READ = re.compile(
    r"""\b(?:GET|POST)(?:\.get|\.getlist)?\(\s*["']([A-Za-z0-9_]+)["']"""
    r"""|\b(?:GET|POST)\[["']([A-Za-z0-9_]+)["']\]"""
)


def wire(text):
    """Percent-encode `text` as a client would send it (a lone surrogate as its UTF-8 bytes)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


# The sweep's troublemakers, on the wire. Each parameter value is sent after
# a real id under the same name, so a view that reads one value sees the
# troublemaker and one that reads the list sees both.
VALUE_TROUBLEMAKERS = [
    wire("²"),  # passes str.isdigit(), fails int()
    str(2**70),  # past bigint
    "9" * 5000,  # past int()'s digit limit
    "-1",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "%00",
]
# By converter: an int converter matches digits only, and the others anything.
ARGUMENT_TROUBLEMAKERS = {
    "int": [str(2**70), str(2**63), "0"],
    "other": ["%00", "%ED%A0%80", "%C0%AF", wire("²١İ" * 100)],  # %C0%AF: an overlong "/"
}

# The walk's values. Characters that broke something somewhere once: lone
# surrogates, digits of other scripts, separators, quotes, markup, invisible
# and bidi characters, letters whose case differs between Python and the
# database. NUL is left to the sweep: the middleware refuses any request that
# holds one, so here it would hide the request's other values.
HOSTILE = "\ud800\udfff²³١٣߃𝟘Ⅷ%/\\.'\"<>&;:?#=+ \t\n\r\u2028\u202e\ufeff\uffffİıßΣς🔋"
hostile_text = st.text(
    alphabet=st.one_of(st.sampled_from(HOSTILE), st.characters(codec="utf-8", min_codepoint=1)),
    max_size=24,
)
numbers = st.one_of(
    st.sampled_from(
        [
            "²",
            "١",
            "0",
            "-1",
            "1.5",
            "1e3",
            "0x1",
            " 1",
            "+1",
            "1_0",
            "9" * 30,
            str(2**63 - 1),
            str(2**63),
        ]
    ),
    st.integers(-(2**70), 2**70).map(str),
)
plausible = st.sampled_from(
    [
        "",
        "approved",
        "pending",
        "recycler",
        "oem",
        "IN",
        "JP",
        "ZZZ",
        "yes",
        "no",
        "on",
        "1",
        "csv",
        "a4",
        "name,organisation",
        "name,password",
        "signups",
        "Asia/Kolkata",
        "UTC",
        "../../etc/passwd",
        "2026-01-01",
        "2026-01-01T09:00",
        "0001-01-01T00:00",
        "9999-12-31T23:59",
        "/events/",
        "//evil.example/",
        "javascript:alert(1)",
        "approve",
        "delete_unused",
        "bulk",
        "grid",
        "session",
        "ja",
        "x@example.org",
    ]
)
# Sent as they are: percent-encoding that is broken, or that decodes to
# something odd (a surrogate, an overlong slash, a bidi override).
RAW = st.sampled_from(["%zz", "%", "%FF", "%C0%AF", "%ED%A0%80", "%E2%80%AE", "%2F", "%252F"])

# A walk takes its values in turn from a pool of path arguments and a pool of
# queries (lists of name=value pairs). REAL stands for a real id of the world.
REAL = "<real>"
POOL = 8
argument = st.one_of(
    RAW,
    numbers.map(wire),
    st.integers(0, 2**80).map(str),
    hostile_text.map(wire),
    plausible.map(wire),
)
known_name = st.sampled_from(PARAMETERS).map(wire)
parameter = st.tuples(
    # Mostly names that views read: the point is their values.
    st.one_of(known_name, known_name, known_name, hostile_text.map(wire), RAW),
    st.one_of(numbers.map(wire), RAW, hostile_text.map(wire), plausible.map(wire), st.just(REAL)),
)
walks = st.fixed_dictionaries(
    {
        "arguments": st.lists(argument, min_size=POOL, max_size=POOL),
        "queries": st.lists(
            st.lists(parameter, min_size=1, max_size=8), min_size=POOL, max_size=POOL
        ),
    }
)


# URLs -----------------------------------------------------------------------------------

GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def path(pattern, argument_for):
    """The route of `pattern` with each argument (a regex group or a converter) filled in."""
    route = GROUP.sub(lambda m: argument_for(m.group(1)), pattern.route)
    route = route.replace("^", "").replace("$", "")
    return "/" + CONVERTER.sub(lambda m: argument_for(m.group(2)), route)


def real_arguments(pattern, walk_world):
    """The world's values for the pattern's arguments (those the walk's table gives)."""
    row = row_for(pattern)
    kwargs = row.kwargs(walk_world) if row.kwargs else {}
    return {"slug": walk_world.conference.slug} | {
        name: wire(str(value)) for name, value in kwargs.items()
    }


def argument_kinds(pattern):
    """{argument name: "int" or "other"}, the conference's slug left out."""
    kinds = dict.fromkeys(GROUP.findall(pattern.route), "other")
    for converter, name in CONVERTER.findall(pattern.route):
        kinds[name] = "int" if converter == "int" else "other"
    kinds.pop("slug", None)
    return kinds


def query(pairs):
    return "&".join(f"{name}={value}" for name, value in pairs)


# What must hold ---------------------------------------------------------------------------


def tables():
    """The project's tables, less the audit log (downloading an export is audited)."""
    skipped = {"conference.auditlog"}
    return sorted(
        model._meta.db_table
        for app in ("accounts", "conference", "sessions_app", "b2b_meetings")
        for model in apps.get_app_config(app).get_models()
        if model._meta.label_lower not in skipped and not model._meta.proxy
    )


def checksum(names):
    """One digest per table of all its rows, in one query."""
    parts = ", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t)"
        for name in names
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return dict(zip(names, cursor.fetchone()))


def invariants_problems():
    """What a POST, whatever it was, must leave true: the counters and meetings are whole."""
    problems = []
    for session in Session.objects.annotate(
        confirmed=Count("signups", filter=Q(signups__status=SessionSignup.Status.CONFIRMED))
    ):
        if session.taken != session.confirmed:
            problems.append(f"session {session.pk}: taken {session.taken} != {session.confirmed}")
        if session.capacity is not None and session.taken > session.capacity:
            problems.append(f"session {session.pk}: over capacity")
    for meeting in Meeting.objects.filter(status=Meeting.Status.ACTIVE).annotate(
        active_seats=Count("seats", filter=Q(seats__is_active=True))
    ):
        if meeting.active_seats != 2:
            problems.append(f"active meeting {meeting.pk} has {meeting.active_seats} seats")
    return problems


class Exchanges:
    """
    Sends one persona's requests, each in a transaction rolled back after the
    checks, with the persona's cookies restored first (a log-out or a message
    must not carry over), and collects what went wrong.
    """

    def __init__(self, client, persona):
        self.client, self.persona = client, persona
        self.cookies = copy.deepcopy(client.cookies)
        self.tables = tables()
        self.before = checksum(self.tables)
        self.failures = []

    def send(self, method, path, params, body="", key=""):
        self.client.cookies = copy.deepcopy(self.cookies)
        with transaction.atomic():
            if method == "get":
                response = self.client.get(f"{path}?{params}")
                after = checksum(self.tables)
                problems = [
                    f"{name} changed" for name in self.tables if after[name] != self.before[name]
                ]
            else:
                response = self.client.post(
                    f"{path}?{params}", body, content_type="application/x-www-form-urlencoded"
                )
                problems = invariants_problems()
            transaction.set_rollback(True)
        if response.status_code >= 500:
            problems.append(f"{response.status_code}: {self.explain(response)}")
        if problems:
            shown = "&".join(part for part in (params, body) if part)[:300]
            self.failures.append(
                f"{method.upper()} {path}?{shown} ({key}) as {self.persona}: " + "; ".join(problems)
            )
        return response

    @staticmethod
    def explain(response):
        """The last lines of the traceback of a server error."""
        if getattr(response, "exc_info", None):
            return "".join(traceback.format_exception(*response.exc_info)[-3:]).strip()
        return ""

    def report(self):
        return f"{len(self.failures)} failures:\n" + "\n".join(self.failures)


def real_ids(walk_world):
    """Ids a parameter may name: the world's sessions, people, slots, tables, rooms, tracks."""
    conference = walk_world.conference
    found = {
        walk_world.session.pk,
        walk_world.registration.pk,
        walk_world.third.pk,
        walk_world.meeting.table_id,
        walk_world.session.room_id,
        *conference.tracks.values_list("pk", flat=True),
        *MeetingSlot.objects.filter(conference=conference).values_list("pk", flat=True),
    }
    return sorted(str(pk) for pk in found if pk is not None)


def with_real_ids(pairs, ids, turn):
    """The pairs with each REAL value replaced by a real id, the ids taken in turn."""
    real_id = itertools.cycle(ids[turn % len(ids) :] + ids[: turn % len(ids)])
    return [(name, next(real_id) if value == REAL else value) for name, value in pairs]


def refused_before_the_view(response):
    """A refusal that reads no argument or parameter: wrong role or method, log in first."""
    if response.status_code in (403, 405):
        return True
    login = ("/accounts/login/", "/admin/login/")
    return response.status_code == 302 and response.url.startswith(login)


def patterns(*, all_admin_pages):
    """
    Every pattern. The admin's 160 pages send every persona (none is staff)
    to the admin's login alike: unless `all_admin_pages`, of them only the
    login and the logout. The API's (namespace "api") answer to tokens, not
    personas: tests/api/test_permission_walk_api.py fuzzes them with tokens.
    """
    return [
        p
        for p in all_patterns()
        if not p.namespace.startswith("api:")
        and (
            all_admin_pages
            or not p.namespace.startswith("admin:")
            or p.key in ("admin:login", "admin:logout")
        )
    ]
