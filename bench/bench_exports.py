"""
Benchmark: attendee exports of 50,000 registrations (CSV streamed, XLSX).

Claims checked (issue "Attendee exports, the security gate list, badges..."):
the CSV export streams in under 5 s and the XLSX export finishes in under
30 s, and the peak memory of the process serving them grows by less than
100 MB for either.

Each export runs in a fresh child process, through the whole Django stack
(test client: middleware, permission check, audit entry) with every column
that needs extra data (sessions, meeting count) chosen. The child measures
its resident memory before the request (VmRSS) and its peak afterwards
(VmHWM), and the wall time from request to last byte.

Data: a conference `bench-exports` with 50,000 registrations, 400
organisations, 40 sessions with two sign-ups per person and 720 two-person
B2B meetings, made once in the database named by DATABASE_URL (PostgreSQL
for numbers worth comparing) and reused by later runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/bench_exports.py
"""

import datetime
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Registration, User  # noqa: E402
from b2b_meetings.models import Meeting, MeetingSeat, MeetingSlot, Table  # noqa: E402
from conference.core.models import (  # noqa: E402
    Conference,
    ConferenceRole,
    Organisation,
    OrganisationKind,
    Role,
    Room,
)
from sessions_app.models import Session, SessionSignup  # noqa: E402

SLUG = "bench-exports"
ROWS = 50_000
ORGANISATIONS = 400
SESSIONS = 40
SLOTS, TABLES = 24, 30
COLUMNS = (
    "name,email,organisation,kind,country,job_title,status,vip,sessions,"
    "meeting_count,dietary_needs,access_needs,checked_in_at,registered_at"
)
LIMITS = {"csv": 5.0, "xlsx": 30.0}
MEMORY_LIMIT_MB = 100
RESULTS = ROOT / "bench" / "results" / "exports.json"


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def ensure_data():
    """The bench conference with ROWS registrations; made once, then reused."""
    call_command("migrate", verbosity=0)
    conference = Conference.objects.filter(slug=SLUG).first()
    if conference and conference.registrations.count() == ROWS:
        return conference
    if conference:
        conference.delete()
    started = time.perf_counter()
    rng = random.Random(2026)
    today = timezone.localdate()
    with transaction.atomic():
        conference = Conference.objects.create(
            name="Bench: Battery and Critical Minerals Ecosystem Conference",
            slug=SLUG,
            start_date=today + datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=31),
            require_staff_mfa=False,
        )
        organiser = User.objects.create(email="bench-exports-organiser@example.org", password="!")
        ConferenceRole.objects.create(conference=conference, user=organiser, role=Role.ORGANISER)
        kinds = [kind for kind, _label in OrganisationKind.choices]
        organisations = Organisation.objects.bulk_create(
            Organisation(
                name=f"Bench organisation {i:04d}",
                kind=kinds[i % len(kinds)],
                country=["IN", "JP", "AU", "US"][i % 4],
            )
            for i in range(ORGANISATIONS)
        )
        users = User.objects.bulk_create(
            (
                User(
                    email=f"bench-exports-{i:05d}@example.org",
                    given_name=rng.choice(["Priya", "Hanako", "Liam", "Emily", "Rohan", "花子"]),
                    family_name=f"Delegate{i:05d}",
                    password="!",
                )
                for i in range(ROWS)
            ),
            batch_size=5000,
        )
        statuses = ["approved"] * 8 + ["pending", "waitlisted"]
        registrations = Registration.objects.bulk_create(
            (
                Registration(
                    conference=conference,
                    user=user,
                    organisation=organisations[i % ORGANISATIONS],
                    job_title="Director, Strategic Partnerships",
                    status=statuses[i % len(statuses)],
                    is_vip=i % 97 == 0,
                    dietary_needs=rng.choice(["", "", "Vegetarian", "Halal", "No pork"]),
                    access_needs="Wheelchair access" if i % 53 == 0 else "",
                    checked_in_at=timezone.now() if i % 3 == 0 else None,
                )
                for i, user in enumerate(users)
            ),
            batch_size=5000,
        )
        room = Room.objects.create(conference=conference, name="Bench hall", capacity=5000)
        start = timezone.now() + datetime.timedelta(days=30)
        sessions = Session.objects.bulk_create(
            Session(
                conference=conference,
                room=room,
                title=f"Bench session {i:02d}: securing anchor off-takers",
                starts_at=start + datetime.timedelta(hours=i),
                ends_at=start + datetime.timedelta(hours=i, minutes=50),
                published=True,
            )
            for i in range(SESSIONS)
        )
        SessionSignup.objects.bulk_create(
            (
                SessionSignup(
                    session=sessions[(i + k) % SESSIONS],
                    registration=registration,
                    status="confirmed",
                )
                for i, registration in enumerate(registrations)
                for k in (0, 7)
            ),
            batch_size=10000,
        )
        slot_start = start + datetime.timedelta(days=1)
        slots = MeetingSlot.objects.bulk_create(
            MeetingSlot(
                conference=conference,
                starts_at=slot_start + datetime.timedelta(minutes=20 * i),
                ends_at=slot_start + datetime.timedelta(minutes=20 * (i + 1)),
            )
            for i in range(SLOTS)
        )
        tables = Table.objects.bulk_create(
            Table(conference=conference, room=room, label=f"B{i:02d}") for i in range(TABLES)
        )
        meetings = Meeting.objects.bulk_create(
            Meeting(conference=conference, slot=slot, table=table)
            for slot in slots
            for table in tables
        )
        seats = []
        for index, meeting in enumerate(meetings):
            for person in (2 * index, 2 * index + 1):
                seats.append(
                    MeetingSeat(
                        meeting=meeting, registration=registrations[person], slot_id=meeting.slot_id
                    )
                )
        MeetingSeat.objects.bulk_create(seats, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Made {ROWS} registrations in {time.perf_counter() - started:.1f} s")
    return conference


def measure(fmt):
    """Run in a child process: one export, its time and memory."""
    conference = Conference.objects.get(slug=SLUG)
    organiser = User.objects.get(email="bench-exports-organiser@example.org")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(organiser)
    path = f"/events/{SLUG}/manage/exports/attendees.{fmt}"
    # Warm up: imports, fonts and the URL resolver, on a tiny export.
    client.get(path, {"columns": COLUMNS, "kind": "nonexistent"})
    client.get(path, {"columns": "name", "country": "AU", "status": "withdrawn"})
    rss_before = _status_kb("VmRSS")
    started = time.perf_counter()
    response = client.get(path, {"columns": COLUMNS})
    first_byte = None
    size = 0
    for chunk in response.streaming_content if response.streaming else [response.content]:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    seconds = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    assert response.status_code == 200, response.status_code
    rows = conference.registrations.count()
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "first_byte_s": round(first_byte or seconds, 3),
        "bytes": size,
        "rss_before_mb": round(rss_before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "peak_growth_mb": round((peak - rss_before) / 1024, 1),
        "limit_s": LIMITS[fmt],
        "limit_growth_mb": MEMORY_LIMIT_MB,
        "within_limits": seconds < LIMITS[fmt] and (peak - rss_before) / 1024 < MEMORY_LIMIT_MB,
    }


def main():
    started_at = datetime.datetime.now(datetime.UTC)
    begun = time.perf_counter()
    ensure_data()
    results = {}
    load_before = round(os.getloadavg()[0], 2)
    for fmt in ("csv", "xlsx"):
        child = subprocess.run(
            [sys.executable, __file__, "--measure", fmt],
            capture_output=True,
            text=True,
            check=True,
            # The synchronous download is what is timed (the writers' speed);
            # above EXPORT_INLINE_MAX_ROWS the portal prepares it in the background.
            env={**os.environ, "PYTHONPATH": str(ROOT), "EXPORT_INLINE_MAX_ROWS": str(ROWS)},
        )
        results[fmt] = json.loads(child.stdout.strip().splitlines()[-1])
        r = results[fmt]
        print(
            f"{fmt.upper():4} {r['rows']} rows: {r['seconds']:.2f} s (limit {r['limit_s']:.0f} s), "
            f"first byte {r['first_byte_s']:.2f} s, {r['bytes'] / 1e6:.1f} MB, "
            f"peak memory +{r['peak_growth_mb']:.1f} MB (limit {MEMORY_LIMIT_MB} MB)"
        )
    report = {
        "name": "exports",
        "started_at": started_at.isoformat(),
        "duration_s": round(time.perf_counter() - begun, 1),
        "environment": {
            "database": connection.vendor,
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpu_count": os.cpu_count(),
            "debug": settings.DEBUG,
            # Other work on the machine slows the wall times: the load says how much.
            "load_average_1m_before": load_before,
            "load_average_1m_after": round(os.getloadavg()[0], 2),
        },
        "results": {
            "columns": COLUMNS.split(","),
            **{f"{fmt}_{key}": value for fmt, r in results.items() for key, value in r.items()},
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    temporary = RESULTS.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=2) + "\n")
    temporary.replace(RESULTS)
    print(f"Results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
    else:
        main()
