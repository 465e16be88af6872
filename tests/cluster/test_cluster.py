"""
The cluster of `make cluster` (cluster/run.py), driven only through its
load balancer: haproxy in round robin over two gunicorn nodes, each with its
own working directory and static files, two Celery workers, two beats, and
pgbouncer in front of the test database; files live in PostgreSQL
(FILE_STORAGE=database). Consecutive requests land on alternate nodes, so a
file uploaded through one node is served by the other, and an export
prepared by a worker is downloaded from either. The last test kills a web
node, a worker and the leading beat, and the cluster carries on.
"""

import collections
import io
import threading
import time

import pytest
from openpyxl import load_workbook
from PIL import Image

from accounts.models import Invitation, Registration
from b2b_meetings.models import Meeting, MeetingRequest
from conference.core.models import Heartbeat, Job, OutgoingEmail, Role
from tests.cluster.client import Visitor
from tests.e2e import personas
from tests.factories import ConferenceFactory, InvitationFactory, RoomFactory, TableFactory
from tests.helpers import make_slots, publish, registration_form_data, url, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60
PROFILE_FORM = {"job_title": "CTO", "bio": "Cells.", "languages": ["en"], "offers": "", "seeks": ""}


def _jpeg(size=(900, 700)):
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def event(transactional_db):
    """Staff who log in with a password only, two listed delegates, B2B slots and tables."""
    conference = ConferenceFactory(require_staff_mfa=False)
    organiser = personas.staff(conference, Role.ORGANISER, mfa=False)
    checkin = personas.staff(conference, Role.CHECKIN, mfa=False)
    recycler = personas.delegate(conference, kind="recycler", directory_consent=True)
    oem = personas.delegate(conference, kind="oem", directory_consent=True)
    room = RoomFactory(conference=conference, name="B2B Lounge")
    tables = [TableFactory(conference=conference, room=room, label=f"T0{i}") for i in (1, 2)]
    slots = make_slots(conference, 4)
    publish(conference, organiser.user)
    newcomer = personas.user()
    InvitationFactory(
        conference=conference,
        email=newcomer.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=newcomer,
    )
    return {
        "conference": conference,
        "organiser": organiser,
        "checkin": checkin,
        "recycler": recycler,
        "oem": oem,
        "tables": tables,
        "slots": slots,
        "newcomer": newcomer,
    }


def _served_by(visitors):
    return [served for v in visitors for *_rest, served in v.replies]


def _failures(visitors):
    return [(m, p, s) for v in visitors for m, p, s, _served in v.replies if s >= 500]


def _all_mail_sent_once(conference, smtp):
    """Every outbox row is sent, and the sink got each exactly once."""
    rows = list(OutgoingEmail.objects.filter(conference=conference))
    if not rows or any(row.status != OutgoingEmail.Status.SENT for row in rows):
        return False
    expected = collections.Counter((row.recipient, row.subject) for row in rows)
    got = collections.Counter(
        (to, str(message["message"]["Subject"]))
        for message in list(smtp.messages)
        for to in message["to"]
    )
    return got == expected


def _book_meeting(w, recycler, oem, slot):
    """The recycler asks the OEM's delegate for a meeting; the OEM accepts a slot."""
    conference = w["conference"]
    asker, answerer = Visitor(w["lb"]), Visitor(w["lb"])
    asker.log_in(recycler.email)
    new = url(conference, f"b2b/requests/new/delegate/{oem.registration.pk}/")
    assert asker.get(new).status == 200
    reply = asker.post(new, {"agenda": "Offtake from 2027", "priority": 3})
    assert reply.status == 302, reply.text()[-2000:]
    request = MeetingRequest.objects.get(
        conference=conference, requester=recycler.registration, status="pending"
    )
    answerer.log_in(oem.email)
    reply = answerer.post(url(conference, f"b2b/requests/{request.pk}/accept/"), {"slot": slot.pk})
    assert reply.status == 302, reply.text()[-2000:]
    meeting = Meeting.objects.get(conference=conference, slot=slot)
    assert answerer.get(meeting.get_absolute_url()).status == 200
    return [asker, answerer]


def test_a_delegates_day_runs_through_the_balancer_on_both_nodes(cluster, smtp, event):
    w = {**event, "lb": cluster.lb_url}
    conference, organiser = w["conference"], w["organiser"]
    smtp.reset()
    staff, joiner, desk, recycler = (Visitor(cluster.lb_url) for _ in range(4))
    visitors = [staff, joiner, desk, recycler]

    # Log in, register, get approved.
    staff.log_in(organiser.email)
    joiner.log_in(w["newcomer"].email)
    register = url(conference, "register/")
    assert joiner.get(register).status == 200
    reply = joiner.post(register, registration_form_data(conference))
    assert reply.status == 302, reply.text()[-2000:]
    registration = Registration.objects.get(conference=conference, user=w["newcomer"])
    transition = url(conference, f"manage/registrations/{registration.pk}/transition/")
    assert staff.post(transition, {"action": "approve"}).status == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.APPROVED

    # Book a B2B meeting.
    visitors += _book_meeting(w, w["recycler"], w["oem"], w["slots"][0])

    # A profile photo uploaded through one node is served by both.
    recycler.log_in(w["recycler"].email)
    reply = recycler.post(
        url(conference, "b2b/profile/"),
        PROFILE_FORM,
        files={"photo": ("me.jpg", _jpeg(), "image/jpeg")},
    )
    assert reply.status == 302, reply.text()[-2000:]
    photo = url(conference, f"b2b/people/{w['recycler'].registration.pk}/photo/large/")
    photos = [staff.get(photo) for _ in range(2)]
    assert [p.status for p in photos] == [200, 200]
    assert {p.served_by for p in photos} == {"web1", "web2"}
    assert photos[0].content == photos[1].content
    assert Image.open(io.BytesIO(photos[0].content)).size == (640, 640)

    # An XLSX prepared by a worker downloads from either node.
    form = {"format": "xlsx", "columns": "email,status", "status": "approved"}
    assert staff.post(url(conference, "manage/exports/prepare/"), form).status == 302
    job = wait_for(
        lambda: Job.objects.filter(
            conference=conference, kind="export.attendees", status=Job.Status.DONE
        ).first(),
        "a worker to prepare the export",
        timeout=WAIT_SECONDS,
        interval=0.5,
    )
    downloads = [staff.get(url(conference, f"manage/exports/files/{job.pk}/")) for _ in range(2)]
    assert [d.status for d in downloads] == [200, 200]
    assert {d.served_by for d in downloads} == {"web1", "web2"}
    sheet = load_workbook(io.BytesIO(downloads[1].content)).worksheets[0]
    emails = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert emails == {w["recycler"].email, w["oem"].email, w["newcomer"].email}

    # Check in at the desk.
    desk.log_in(w["checkin"].email)
    assert desk.get(url(conference, "manage/checkin/")).status == 200
    assert desk.post(url(conference, f"manage/checkin/{registration.pk}/")).status < 400
    registration.refresh_from_db()
    assert registration.checked_in_at is not None

    # Round robin put every step on both nodes, and nothing failed.
    served = collections.Counter(_served_by(visitors))
    assert set(served) == {"web1", "web2"}, served
    assert abs(served["web1"] - served["web2"]) <= len(visitors), served
    stats = cluster.server_stats()
    assert all(int(stats[name]["stot"]) > 0 for name in ("web1", "web2")), stats
    assert _failures(visitors) == []

    # Every email went out once, by the workers.
    wait_for(
        lambda: _all_mail_sent_once(conference, smtp),
        "every email to arrive once",
        timeout=WAIT_SECONDS,
        interval=0.5,
    )


def _last_heartbeat():
    return Heartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def test_killing_a_web_node_a_worker_and_the_leading_beat_loses_nothing(cluster, smtp, event):
    """
    Last in the module: it leaves the cluster with one node of each. Requests
    under way when the nodes die may fail once; after that nothing fails,
    every email arrives once (delivered by the surviving worker), and the
    standby beat takes the lock and the periodic sweeps go on.
    """
    w = {**event, "lb": cluster.lb_url}
    conference, organiser = w["conference"], w["organiser"]
    smtp.reset()
    staff, joiner = Visitor(cluster.lb_url), Visitor(cluster.lb_url)
    staff.log_in(organiser.email)
    joiner.log_in(w["newcomer"].email)
    register = url(conference, "register/")
    assert joiner.post(register, registration_form_data(conference)).status == 302
    # Mail already queued is delivered first: a row a killed worker leaves
    # half-sent waits out SENDING_TIMEOUT (tests/reliability covers that).
    wait_for(
        lambda: _all_mail_sent_once(conference, smtp),
        "the registration email",
        timeout=WAIT_SECONDS,
        interval=0.5,
    )
    leader = cluster.beat_leader()
    assert leader in ("beat1", "beat2")
    standby = {"beat1": "beat2", "beat2": "beat1"}[leader]
    wait_for(_last_heartbeat, "the leader's first heartbeat", timeout=WAIT_SECONDS, interval=0.5)
    killed_at = time.time()
    before = {id(v): len(v.replies) for v in (staff, joiner)}

    # Four people keep reading pages while the nodes die, until haproxy has
    # taken web1 out: a request under way on web1 may fail, once per person.
    home = url(conference, "")
    racing = [Visitor(cluster.lb_url) for _ in range(4)]
    settled = threading.Event()

    def browse(visitor):
        deadline = time.monotonic() + 30
        while not settled.is_set() and time.monotonic() < deadline:
            try:
                visitor.get(home)
            except OSError:
                visitor.replies.append(("GET", home, 599, None))

    browsers = [threading.Thread(target=browse, args=(v,)) for v in racing]
    for thread in browsers:
        thread.start()
    try:
        time.sleep(0.5)
        for name in ("web1", "worker1", leader):
            cluster.nodes[name].kill()
        wait_for(
            lambda: cluster.servers_up() == {"web2"},
            "haproxy to take web1 out",
            timeout=10,
            interval=0.2,
        )
    finally:
        settled.set()
        for thread in browsers:
            thread.join(timeout=40)
    assert all(len(v.replies) > 2 for v in racing)
    assert all(len(_failures([v])) <= 1 for v in racing), [_failures([v]) for v in racing]

    # From here on nothing fails.
    registration = Registration.objects.get(conference=conference, user=w["newcomer"])
    transition = url(conference, f"manage/registrations/{registration.pk}/transition/")
    assert staff.post(transition, {"action": "approve"}).status == 302
    after = [staff, joiner, *_book_meeting(w, w["recycler"], w["oem"], w["slots"][1])]
    form = {"format": "xlsx", "columns": "email", "status": "approved"}
    assert staff.post(url(conference, "manage/exports/prepare/"), form).status == 302
    job = wait_for(
        lambda: Job.objects.filter(
            conference=conference, kind="export.attendees", status=Job.Status.DONE
        ).first(),
        "the surviving worker to prepare the export",
        timeout=WAIT_SECONDS,
        interval=0.5,
    )
    assert staff.get(url(conference, f"manage/exports/files/{job.pk}/")).status == 200
    since = [reply for v in after for reply in v.replies[before.get(id(v), 0) :]]
    assert [reply for reply in since if reply[2] >= 500] == []
    assert {served for *_rest, served in since} == {"web2"}

    wait_for(
        lambda: _all_mail_sent_once(conference, smtp),
        "every email to arrive once after the kills",
        timeout=WAIT_SECONDS,
        interval=0.5,
    )
    # The standby leads, and its sweeps write the heartbeat again.
    wait_for(
        lambda: cluster.beat_leader() == standby,
        "the standby beat to take the lock",
        log=cluster.nodes[standby].log,
        timeout=30,
        interval=0.5,
    )
    wait_for(
        lambda: _last_heartbeat().timestamp() > killed_at,
        "the heartbeat to advance after the leader died",
        timeout=30,
        interval=0.5,
    )
