"""
The portal behind pgbouncer in transaction mode (README, Running in production, "Database
connection pooling"), with real processes: a pgbouncer of the test's own in front of the
shared PostgreSQL's test database, and gunicorn (DEBUG off, two workers of four
threads) connected to it with DATABASE_POOLER=pgbouncer.

pgbouncer runs with `server_round_robin = 1`: a released server connection
goes to the back of the idle list, so one Django connection's consecutive
transactions run on different server connections whenever two are idle. What
leans on session state therefore breaks at once instead of now and then.

Parallel clients log in, sign up for a five-place workshop at once, register
and get approved, and download the attendee XLSX while others do the same:
every answer is right, none is a 5xx, the workshop is never overbooked. The
controls serve the same export and the registration form without the switch
(the server-side cursor of `.iterator()` is declared on one server connection
and fetched on another), and show why beat's leader lock takes
DATABASE_DIRECT_URL instead of the pool.
"""

import contextlib
import http.client
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import psycopg2
import pytest
from django.conf import settings
from openpyxl import load_workbook

from accounts.models import Invitation, Registration
from conference.core.beat import LOCK_KEY
from conference.core.models import Role
from sessions_app.models import Session, SessionSignup
from tests.e2e import personas
from tests.e2e.services import collectstatic
from tests.factories import TEST_PASSWORD, ConferenceFactory, InvitationFactory, SessionFactory
from tests.helpers import (
    database_url_of_tests,
    free_port,
    production_env,
    publish,
    registration_form_data,
    run_python,
    url,
)
from tests.reliability.parallel import crashes, run_together
from tests.reliability.processes import LogFile, stop_process, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

POOL_SIZE = 3  # server connections; gunicorn holds up to 8 client connections
THREADS = 20
CAPACITY = 5
EXPORTS = 4
REQUEST_SECONDS = 60


# pgbouncer ---------------------------------------------------------------------------


class OwnPgbouncer:
    """
    A pgbouncer (transaction pooling, trust authentication, round robin) on a
    free port of 127.0.0.1, in a folder of its own, whose database `portal`
    is the test database on the shared PostgreSQL. pgbouncer refuses to run as
    root: as root it is told to switch to the `postgres` user (`-u`).
    """

    def __init__(self, database_url):
        binary = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
        if binary is None:
            pytest.skip("pgbouncer is not installed (apt-get install pgbouncer).")
        target = urlsplit(database_url)
        self.user = target.username or "postgres"
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="reliability-pgbouncer-")
        self.config = os.path.join(self.dir, "pgbouncer.ini")
        self.logfile = os.path.join(self.dir, "pgbouncer.log")
        with open(os.path.join(self.dir, "userlist.txt"), "w") as f:
            f.write(f'"{self.user}" ""\n')  # trust still wants the name listed
        with open(self.config, "w") as f:
            f.write(
                "[databases]\n"
                f"portal = host={target.hostname} port={target.port or 5432} "
                f"dbname={target.path.lstrip('/')} user={self.user}\n"
                "[pgbouncer]\n"
                f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
                f"auth_type = trust\nauth_file = {self.dir}/userlist.txt\n"
                f"admin_users = {self.user}\n"
                f"pool_mode = transaction\ndefault_pool_size = {POOL_SIZE}\n"
                "server_round_robin = 1\n"
                f"logfile = {self.logfile}\npidfile = {self.dir}/pgbouncer.pid\n"
            )
        self.argv = [binary, self.config]
        if os.geteuid() == 0:
            for name in os.listdir(self.dir):
                shutil.chown(os.path.join(self.dir, name), "postgres", "postgres")
            shutil.chown(self.dir, "postgres", "postgres")
            self.argv = [binary, "-u", "postgres", self.config]
        self.url = f"postgres://{self.user}@127.0.0.1:{self.port}/portal"
        self.process = None

    def log(self):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        self.process = subprocess.Popen(
            self.argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._answers, "pgbouncer to start", log=self.log, timeout=20)

    def _answers(self):
        try:
            self.show("VERSION")
            return True
        except psycopg2.OperationalError:
            return False

    def show(self, what):
        """SHOW `what` on pgbouncer's admin console, as a list of dicts."""
        conn = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="pgbouncer", connect_timeout=3
        )
        conn.autocommit = True  # the console knows no BEGIN
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"SHOW {what}")
                names = [column.name for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def open_servers(self, count):
        """Make pgbouncer open `count` server connections: as many transactions at once."""
        conns = [psycopg2.connect(self.url, connect_timeout=5) for _ in range(count)]
        try:
            for conn in conns:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 1")  # inside a transaction: holds its server
            for conn in conns:
                conn.commit()  # a server left inside a transaction would be dropped
        finally:
            for conn in conns:
                conn.close()

    def stop(self):
        stop_process(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def pgbouncer(django_db_setup):
    bouncer = OwnPgbouncer(database_url_of_tests())
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("pgbouncer-static")
    collectstatic(root)
    return root


# gunicorn ----------------------------------------------------------------------------


@contextlib.contextmanager
def serving(pgbouncer, static_root, **env):
    """
    gunicorn on a free port, its DATABASE_URL pointing at pgbouncer, stopped
    whatever happens. Pass DATABASE_POOLER (empty: off) so that the caller's
    environment never decides it.
    """
    port = free_port()
    environment = production_env(
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(static_root),
        DATABASE_URL=pgbouncer.url,
        DATABASE_DIRECT_URL=database_url_of_tests(),
        DB_CONN_MAX_AGE="60",
        CELERY_TASK_ALWAYS_EAGER="1",  # mail goes out inside the request, through pgbouncer
        EMAIL_HOST="",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # Rate-limit counters of its own: 20 log-ins a minute from one address
        # must not add to those of the run's other tests.
        CACHE_KEY_PREFIX=f"reliability-pgbouncer-{uuid.uuid4().hex[:8]}",
        **env,
    )
    log = LogFile("reliability-pgbouncer-gunicorn-")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "conference.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"),
            *("--timeout", str(REQUEST_SECONDS), "--log-level", "warning"),
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=log.file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def up():
        try:
            return Visitor(port).get("/healthz").status in (200, 503)
        except OSError:
            return False

    try:
        wait_for(up, "gunicorn to answer", log=log.read, timeout=60)
        yield port, log
    finally:
        stop_process(process)
        log.close()


# A browser without a browser ------------------------------------------------------------


class Reply:
    def __init__(self, status, headers, content):
        self.status, self.headers, self.content = status, headers, content


class Visitor:
    """
    One person's HTTP client: keeps its cookies (the Secure ones too: this is
    plain HTTP on loopback) and sends the CSRF token with every form.
    """

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.statuses = []

    def request(self, method, path, form=None):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            data = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_SECONDS)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            conn.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.statuses.append((method, path, reply.status))
        return reply

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, form)

    def log_in(self, email, password=TEST_PASSWORD):
        assert self.get("/accounts/login/").status == 200
        reply = self.post("/accounts/login/", {"login": email, "password": password})
        assert reply.status == 302, reply.content.decode(errors="replace")[-2000:]
        return reply


def server_errors(visitors):
    return [s for visitor in visitors for s in visitor.statuses if s[2] >= 500]


def xlsx_rows(content):
    sheet = load_workbook(io.BytesIO(content))["Attendees"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# The world ---------------------------------------------------------------------------


@pytest.fixture
def event(transactional_db):
    """A conference whose staff log in with a password only, 20 delegates and a workshop."""
    conference = ConferenceFactory(require_staff_mfa=False)
    organiser = personas.staff(conference, Role.ORGANISER, mfa=False)
    delegates = [personas.delegate(conference) for _ in range(THREADS)]
    workshop = SessionFactory(
        conference=conference, kind="workshop", capacity=CAPACITY, signup_required=True
    )
    publish(conference, organiser.user)
    newcomer = personas.user()
    InvitationFactory(
        conference=conference,
        email=newcomer.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=newcomer,
    )
    return conference, organiser, delegates, workshop, newcomer


def test_the_portal_behind_pgbouncer_in_transaction_mode_serves_parallel_clients_right(
    pgbouncer, static_root, event
):
    conference, organiser, delegates, workshop, newcomer = event
    before = {row["database"]: row for row in pgbouncer.show("STATS")}.get("portal", {})
    with serving(pgbouncer, static_root, DATABASE_POOLER="pgbouncer") as (port, log):
        people = [Visitor(port) for _ in delegates]
        staff, joiner = Visitor(port), Visitor(port)
        everyone = [*people, staff, joiner]

        # Twenty log in at once, then press "Sign up" for five places at once.
        logins = run_together(lambda i: people[i].log_in(delegates[i].email).status, THREADS)
        assert crashes(logins) == [], log.read()[-4000:]
        signup = url(conference, f"agenda/sessions/{workshop.pk}/signup/")
        signups = run_together(lambda i: people[i].post(signup, {}).status, THREADS)
        assert crashes(signups) == [], log.read()[-4000:]
        assert signups == [("ok", 302)] * THREADS, log.read()[-4000:]

        # A newcomer registers; the organiser approves.
        joiner.log_in(newcomer.email)
        register = url(conference, "register/")
        assert joiner.get(register).status == 200
        assert joiner.post(register, registration_form_data(conference)).status == 302
        registration = Registration.objects.get(conference=conference, user=newcomer)
        assert registration.status == Registration.Status.PENDING
        staff.log_in(organiser.email)
        transition = url(conference, f"manage/registrations/{registration.pk}/transition/")
        assert staff.post(transition, {"action": "approve"}).status == 302

        # Exports while the delegates read their schedules.
        query = urlencode({"status": "approved", "columns": "email,status", "order": "name"})
        export = url(conference, f"manage/exports/attendees.xlsx?{query}")
        schedule = url(conference, "me/")

        def work(i):
            if i < EXPORTS:
                return staff.get(export)
            return people[i].get(schedule).status

        outcomes = run_together(work, THREADS)
        assert crashes(outcomes) == [], log.read()[-4000:]
        assert [detail for _kind, detail in outcomes[EXPORTS:]] == [200] * (THREADS - EXPORTS)
        downloads = [detail for _kind, detail in outcomes[:EXPORTS]]
        assert [reply.status for reply in downloads] == [200] * EXPORTS, log.read()[-4000:]

        server_log = log.read()
    assert server_errors(everyone) == []
    assert "Traceback" not in server_log, server_log[-4000:]

    # Nobody got a place twice, the workshop is not overbooked.
    workshop = Session.objects.get(pk=workshop.pk)
    statuses = list(SessionSignup.objects.filter(session=workshop).values_list("status", flat=True))
    assert workshop.taken == CAPACITY
    assert sorted(statuses) == ["confirmed"] * CAPACITY + ["waitlisted"] * (THREADS - CAPACITY)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.APPROVED

    # Each download lists the 21 approved delegates, and only them.
    expected = sorted([person.email for person in delegates] + [newcomer.email])
    for reply in downloads:
        header, *rows = xlsx_rows(reply.content)
        assert header == ["Email", "Status"]
        assert sorted(email for email, _status in rows) == expected
        assert {status for _email, status in rows} == {"Approved"}

    # It all went through pgbouncer, on at most POOL_SIZE server connections.
    after = {row["database"]: row for row in pgbouncer.show("STATS")}["portal"]
    assert after["total_xact_count"] - before.get("total_xact_count", 0) > 100
    servers = [row for row in pgbouncer.show("SERVERS") if row["database"] == "portal"]
    assert 1 <= len(servers) <= POOL_SIZE


@pytest.mark.parametrize("pooler", ["", "pgbouncer"], ids=["cursors_on", "cursors_off"])
def test_control_server_side_cursors_break_exports_and_forms_behind_pgbouncer(
    pgbouncer, static_root, event, pooler
):
    """
    Without DATABASE_POOLER, `.iterator()` declares a server-side cursor WITH
    HOLD (Django runs in autocommit) on one server connection; its FETCH is a
    transaction of its own, which pgbouncer gives to the next idle server:
    "cursor ... does not exist", a 500. The attendee export iterates so, and
    so does every form with a ModelChoiceField (Django renders its choices
    from `.iterator()`): here the registration form's organisation list. With
    the switch the same requests, through the same pgbouncer, succeed.
    """
    conference, organiser, delegates, _workshop, newcomer = event
    query = urlencode({"status": "approved", "columns": "email"})
    export = url(conference, f"manage/exports/attendees.xlsx?{query}")
    with serving(pgbouncer, static_root, DATABASE_POOLER=pooler) as (port, log):
        staff, joiner = Visitor(port), Visitor(port)
        staff.log_in(organiser.email)
        joiner.log_in(newcomer.email)
        replies = []
        for visitor, path in [(staff, export), (joiner, url(conference, "register/"))]:
            pgbouncer.open_servers(2)  # two idle: round robin never reuses the last one
            replies.append(visitor.get(path))
        server_log = log.read()

    if pooler:
        assert [reply.status for reply in replies] == [200, 200], server_log[-4000:]
        assert len(xlsx_rows(replies[0].content)) == 1 + len(delegates)
    else:
        assert [reply.status for reply in replies] == [500, 500], (
            "a request survived: the control proves nothing"
        )
        cause = r'cursor "_django_curs_\w+" does not exist'
        assert re.search(cause, server_log), server_log[-4000:]


def _try_lock(conn):
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])  # as beat asks
        return cursor.fetchone()[0]


def _connect(dsn):
    conn = psycopg2.connect(dsn, connect_timeout=5)
    conn.autocommit = True  # as beat's connection runs: each statement a transaction
    return conn


def test_control_beats_leader_lock_through_pgbouncer_has_two_holders(pgbouncer):
    """
    Why beat's session-level advisory lock goes through DATABASE_DIRECT_URL:
    through transaction pooling the leader's lock stays with the server that
    took it, and a standby whose statement pgbouncer sends to that server
    gets it too (a session may take its lock again): two leaders. Straight to
    PostgreSQL, the standby never gets it. Last in the module: the pooled
    lock lasts until pgbouncer stops.
    """
    direct = [_connect(database_url_of_tests()) for _ in range(2)]
    try:
        assert _try_lock(direct[0]) is True
        assert [_try_lock(direct[1]) for _ in range(4)] == [False] * 4
    finally:
        for conn in direct:
            conn.close()

    pgbouncer.open_servers(2)
    pooled = [_connect(pgbouncer.url) for _ in range(2)]
    try:
        assert _try_lock(pooled[0]) is True
        standby = [_try_lock(pooled[1]) for _ in range(4)]
    finally:
        for conn in pooled:
            conn.close()
    assert True in standby, "the standby never won the lock: the control proves nothing"


@pytest.mark.parametrize(
    "env, outcome",
    [
        (
            {"DATABASE_POOLER": "pgbouncer", "DATABASE_DIRECT_URL": ""},
            "DATABASE_POOLER needs DATABASE_DIRECT_URL",
        ),
        (
            {"DATABASE_POOLER": "pgbouncer", "DATABASE_DIRECT_URL": "postgres://db:5432/portal"},
            "True db MIRROR",
        ),
        ({"DATABASE_POOLER": ""}, "False absent"),
    ],
    ids=["pooler_without_direct_url", "pooler", "no_pooler"],
)
def test_the_pooler_switch_turns_server_side_cursors_off_and_needs_a_direct_url(env, outcome):
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "d = s.DATABASES; print(d['default'].get('DISABLE_SERVER_SIDE_CURSORS'),"
        " 'direct' in d and d['direct']['HOST'] or 'absent',"
        " 'direct' in d and list(d['direct']['TEST'])[0] or '')"
    )
    done = run_python(code, production_env(DATABASE_URL="postgres://pgbouncer:6432/portal", **env))
    assert outcome in done.stdout + done.stderr
