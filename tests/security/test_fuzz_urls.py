"""
Every URL of the project, fuzzed: each URL pattern the resolver knows (the
portal's, allauth's and the admin's), its path converters filled with hostile
values, and its query string (and, for POST, its form) with every parameter a
view reads, given hostile values and repeated. Each persona sends each
request, as GET and as POST.

Whatever is sent, the answer is never a server error; a GET changes no row;
after a POST, session counters and meetings are still whole.

Hostile means: NUL and lone surrogates (percent-encoded, as they arrive on the
wire), digits that pass str.isdigit() but not int() ("²") and digits int()
takes from other scripts ("١"), numbers past the database's bigint or int()'s
digit limit, negative numbers, words where numbers belong, broken
percent-encoding and text in several scripts. The world is the permission
walk's, so real ids and tokens are mixed in and requests reach the views'
code, not only their 404s.

Two tests per persona. The sweep is fixed: every pattern with each
troublemaker in every path argument and in every parameter at once. The walk
is hypothesis's: every pattern once per method, its arguments and parameters
drawn (derandomized, as the other fuzz tests; HYPOTHESIS_PROFILE=dev walks
more, with fresh values). The module takes a minute and a half to two minutes.

The parameters, the hostile values and the checks: tests/helpers/url_fuzz.py.
"""

import itertools
import logging
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import Phase, given, settings

from accounts.models import Invitation
from b2b_meetings.models import Unavailability
from tests.factories import MeetingSlotFactory, TrackFactory

# The `world` fixture (tests/conftest.py) builds the permission walk's world.
from tests.helpers.permission_walk import all_patterns
from tests.helpers.url_fuzz import (
    ARGUMENT_TROUBLEMAKERS,
    DIRECT_READ,
    PARAMETERS,
    POOL,
    REAL,
    VALUE_TROUBLEMAKERS,
    Exchanges,
    argument_kinds,
    path,
    patterns,
    query,
    real_arguments,
    real_ids,
    refused_before_the_view,
    walks,
    wire,
    with_real_ids,
)

pytestmark = pytest.mark.django_db

FUZZED_PERSONAS = ("anonymous", "delegate", "checkin", "security", "organiser")


def test_every_parameter_a_view_reads_directly_is_fuzzed():
    """A view that reads a new parameter by hand (not through a form) is fuzzed with it too."""
    read = {}
    for app in ("accounts", "sessions_app", "b2b_meetings", "conference"):
        for source in (Path(settings_module.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in source.parts:
                continue
            for match in DIRECT_READ.finditer(source.read_text()):
                read.setdefault(match.group(1) or match.group(2), source.name)
    assert len(read) > 15
    assert not set(read) - set(PARAMETERS), {n: read[n] for n in set(read) - set(PARAMETERS)}


# The world -------------------------------------------------------------------------------


@pytest.fixture
def fuzz_world(world):
    # Objects only the query string names: a track and a second slot.
    TrackFactory(conference=world.conference)
    MeetingSlotFactory(conference=world.conference)
    return world


@pytest.fixture
def exchanges(fuzz_world, caplog):
    """Exchanges(persona): a logged-in client for the persona, and its findings."""
    # Thousands of expected 4xx (and the 500s, reported by Exchanges): keep the log quiet.
    caplog.set_level(logging.CRITICAL, logger="django.request")

    def start(persona):
        client = Client(raise_request_exception=False)
        if fuzz_world.personas[persona] is not None:
            client.force_login(fuzz_world.personas[persona])
        return Exchanges(client, persona)

    return start


# The sweep -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", FUZZED_PERSONAS)
def test_every_url_takes_each_troublemaker_in_every_argument_and_parameter(
    persona, fuzz_world, exchanges
):
    """
    Each pattern is first sent with its real arguments. Unless that is
    refused before the view runs (wrong role or method, log in first), it is
    sent again with each argument troublemaker in all its arguments of a
    kind (the conference's slug stays), and with each value troublemaker in
    every parameter (after a real id of the same name). All the admin's
    pages as the anonymous visitor, its login and logout as the others; NUL
    in every argument of every pattern, refused or not: see below the walk.
    """
    sent = exchanges(persona)
    ids = real_ids(fuzz_world)
    parameters = [wire(name) for name in PARAMETERS]
    swept = patterns(all_admin_pages=persona == "anonymous")
    for pattern, method in itertools.product(swept, ("get", "post")):
        real = real_arguments(pattern, fuzz_world)
        url = path(pattern, lambda name: real.get(name, "1"))
        probe = sent.send(method, url, "", key=pattern.key)
        if refused_before_the_view(probe):
            continue
        kinds = argument_kinds(pattern)
        for kind in set(kinds.values()):
            for trouble in ARGUMENT_TROUBLEMAKERS[kind]:
                bad_url = path(pattern, lambda n: trouble if kinds.get(n) == kind else real[n])
                sent.send(method, bad_url, "", key=pattern.key)
        # A 404 for the real arguments (another's object): the view stopped at its lookup.
        count = 1 if probe.status_code == 404 else None
        for n, trouble in enumerate(VALUE_TROUBLEMAKERS[:count]):
            pairs = [(name, REAL) for name in parameters] + [(name, trouble) for name in parameters]
            params = query(with_real_ids(pairs, ids, n))
            sent.send(method, url, params, params if method == "post" else "", pattern.key)
    assert not sent.failures, sent.report()


# The walk --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", FUZZED_PERSONAS)
# A walk is some 250 requests: a twelfth of the profile's examples (two in CI). No
# shrinking: an example is a whole walk, and its report lists every failure.
@settings(
    max_examples=max(2, settings.default.max_examples // 12),
    phases=[Phase.explicit, Phase.generate],
)
@given(walk=walks)
def test_every_url_takes_any_drawn_arguments_and_parameters(persona, fuzz_world, exchanges, walk):
    """
    In two turns of three a pattern's arguments are real (so the request
    reaches the view's code) and in the third they come from the pool, the
    conference's slug too; the query (and a POST's form) come from the
    pool. Of the admin's pages, the login and the logout.
    """
    sent = exchanges(persona)
    ids = real_ids(fuzz_world)
    arguments, queries = walk["arguments"], walk["queries"]
    walked = enumerate(patterns(all_admin_pages=False))
    for (turn, pattern), method in itertools.product(walked, ("get", "post")):
        real = real_arguments(pattern, fuzz_world)
        pool = itertools.cycle(arguments[turn % POOL :] + arguments[: turn % POOL])
        url = path(pattern, lambda name: real[name] if turn % 3 and name in real else next(pool))
        params = query(with_real_ids(queries[turn % POOL], ids, turn))
        body = ""
        if method == "post":
            params = query(with_real_ids(queries[(turn + 1) % POOL], ids, turn))
            body = query(with_real_ids(queries[(turn + 3) % POOL], ids, turn))
        sent.send(method, url, params, body, pattern.key)
    assert not sent.failures, sent.report()


# NUL, refused in one place (conference/core/middleware.py) ----------------------------------------

NUL_MESSAGE = "contains a NUL character"


def test_nul_in_any_path_argument_of_any_url_is_refused(client):
    """Every argument of every pattern, given %00 (whether or not the route would match)."""
    checked = 0
    for pattern in all_patterns():
        url = path(pattern, lambda name: "%00")
        if "%00" not in url:
            continue
        checked += 1
        for method in (client.get, client.post):
            response = method(url)
            assert (response.status_code, url) == (400, url)
    assert checked > 100, checked  # the portal's, allauth's and the admin's


def test_a_calendar_token_with_nul_is_refused_not_a_crash(client, conference):
    response = client.get(f"/events/{conference.slug}/me/calendar/%00.ics")

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_an_invitation_token_with_nul_is_refused_not_a_crash(client):
    response = client.get("/invite/%00/")

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_scanned_badge_code_with_nul_is_refused_and_checks_no_one_in(
    client, conference, checkin_staff, delegate
):
    client.force_login(checkin_staff)
    url = reverse("conference:checkin_scan", args=[conference.slug])

    response = client.post(url, {"code": f"{delegate.registration.badge_code}\x00"})

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    delegate.registration.refresh_from_db()
    assert delegate.registration.checked_in_at is None


def test_the_nul_refusal_is_in_the_language_of_the_request(client):
    client.cookies["django_language"] = "ja"

    response = client.get("/invite/%00/")

    assert response.status_code == 400
    assert "NUL 文字が含まれています" in response.content.decode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"path": "/healthz", "QUERY_STRING": "a=%00"},
        {"path": "/healthz", "QUERY_STRING": "%00=1"},
        {"path": "/healthz", "HTTP_USER_AGENT": "bot\x00"},
        {"path": "/i18n/setlang/", "method": "post", "data": {"language": "ja\x00"}},
        {"path": "/i18n/setlang/", "method": "post", "data": {"next\x00": "/"}},
    ],
    ids=["query value", "query name", "header", "form value", "form name"],
)
def test_nul_anywhere_in_the_request_is_refused(client, request_kwargs):
    kwargs = dict(request_kwargs)
    method, path, data = kwargs.pop("method", "get"), kwargs.pop("path"), kwargs.pop("data", None)

    response = getattr(client, method)(path, data, **kwargs)

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/invite/%ED%A0%80/",  # a lone surrogate, UTF-8 encoded, in the path
        "/invite/%FF%C0%AF/",  # bytes that are no UTF-8 at all
        "/events/{slug}/agenda/?q=%ED%A0%80&track=%FF&kind=%C0%AF",
    ],
)
def test_text_that_is_not_utf_8_needs_no_refusal_and_fails_nothing(client, conference, url):
    """Django percent-escapes such bytes in the path and replaces them (U+FFFD) in the query."""
    response = client.get(url.format(slug=conference.slug))

    assert response.status_code in (200, 404)


def test_a_session_cookie_spelling_nul_as_an_escape_is_refused(client, conference):
    """Django decodes the cookie escape \\000 to NUL; the session key then reached the database."""
    client.cookies["sessionid"] = "\x00" * 32

    response = client.get(reverse("conference:home", args=[conference.slug]))

    assert response.status_code == 400


def test_an_upload_with_nul_in_a_field_is_refused_and_a_nul_in_its_file_name_dropped(
    client, conference, organiser
):
    client.force_login(organiser)
    url = reverse("accounts:invitations_import", args=[conference.slug])
    upload = SimpleUploadedFile("people\x00.csv", b"email\nz@example.org\n", "text/csv")

    refused = client.post(url, {"import-file": upload, "import-send_now": "\x00"})
    upload.seek(0)
    accepted = client.post(url, {"import-file": upload})

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert Invitation.objects.filter(email="z@example.org").exists()


# Typed parsing, not str.isdigit(); an invalid filter is a 400 or ignored --------------------


@pytest.mark.parametrize("track", ["²", "١٢", "9" * 30, "9" * 5000, "-1", "x"])
def test_an_odd_track_filter_on_the_agenda_is_ignored_not_a_crash(client, conference, track):
    response = client.get(reverse("sessions_app:agenda", args=[conference.slug]), {"track": track})

    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "9" * 30, "-1", "x"])
def test_an_odd_slot_in_the_availability_form_is_refused_and_saves_nothing(
    client, conference, delegate, value
):
    slot = MeetingSlotFactory(conference=conference)
    client.force_login(delegate)
    url = reverse("b2b_meetings:availability", args=[conference.slug])

    response = client.post(url, {"unavailable": [str(slot.pk), value]})

    assert response.status_code == 400
    assert "valid" in " ".join(str(m) for m in response.context["messages"])
    assert not Unavailability.objects.exists()


def test_the_availability_form_saves_the_slots_ticked(client, conference, delegate):
    slots = [MeetingSlotFactory(conference=conference) for _n in range(2)]
    client.force_login(delegate)
    url = reverse("b2b_meetings:availability", args=[conference.slug])

    response = client.post(url, {"unavailable": [str(slots[1].pk)]})

    assert response.status_code == 302
    assert list(Unavailability.objects.values_list("slot", flat=True)) == [slots[1].pk]


@pytest.mark.parametrize(
    ("name", "query", "parameter"),
    [
        ("gatelist_csv", {"country": "ZZZ"}, "country"),
        ("gatelist_pdf", {"kind": "bogus"}, "kind"),
        ("gatelist_csv", {"kind": ["recycler", "²"]}, "kind"),
    ],
)
def test_an_invalid_gate_list_filter_is_a_400_naming_the_parameter(
    client, conference, security_officer, name, query, parameter
):
    client.force_login(security_officer)

    response = client.get(reverse(f"conference:{name}", args=[conference.slug]), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith(f"{parameter}: ")
