"""
`manage.py seed_demo`: the demo conference (slug `bcmec`) with its logins,
agenda, sign-ups and B2B meetings, dated relative to the day it first runs.

Idempotent: every row is looked up by a natural key before it is created, and
rows that exist are left alone, so a second run adds nothing and an
organiser's edits in the browser survive a re-run. `--scale large` adds
synthetic volume for benchmarks with bulk inserts.
"""

import datetime as dt
import time
import zoneinfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Invitation, Registration, User
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSlot, Table, Unavailability
from b2b_meetings.services import BookingError, meeting_create
from conference.core.models import Conference, ConferenceRole, Organisation, Role, Room
from conference.portal import demo_data as data
from sessions_app.models import (
    ScheduleRelease,
    Session,
    SessionSignup,
    SessionSpeaker,
    Speaker,
    Track,
)
from sessions_app.services import schedule_publish

BATCH_SIZE = 500
PORTAL_URL = "http://127.0.0.1:8000/events/bcmec/"
# Large-scale users are bulk0001@example.org … bulk2000@example.org.
BULK_EMAIL = "bulk{:04d}@example.org"
BULK_EMAIL_REGEX = r"^bulk[0-9]{4}@example\.org$"


def local_time(conference, day, hhmm):
    """An aware datetime on day `day` of the conference, in its time zone."""
    date = conference.start_date + dt.timedelta(days=day)
    return dt.datetime.combine(date, dt.time.fromisoformat(hhmm), tzinfo=conference.tz)


def login_email(login):
    return f"{login}@example.org"


class Command(BaseCommand):
    help = "Create the demo conference 'bcmec' with logins, agenda and B2B meetings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["base", "large"],
            default="base",
            help="'large' adds 2,000 delegates, 400 organisations, 80 sessions, "
            "24 B2B slots × 30 tables and 3,000 meeting requests.",
        )

    def handle(self, *args, scale, **options):
        started = time.monotonic()
        self._password_hash = None
        self.now = timezone.now()

        with transaction.atomic():
            conference = self.seed_conference()
        with transaction.atomic():
            orgs = self.seed_organisations()
        with transaction.atomic():
            organiser, regs = self.seed_people(conference, orgs)
        with transaction.atomic():
            sessions = self.seed_agenda(conference, regs)
        self.publish_if_changed(conference, organiser)
        with transaction.atomic():
            self.seed_signups(sessions, regs)
        with transaction.atomic():
            self.seed_b2b(conference, sessions, orgs, regs, organiser)

        if scale == "large":
            self.seed_large(conference, organiser)

        self.print_logins(time.monotonic() - started)

    # --- helpers -------------------------------------------------------------

    def password_hash(self):
        # PBKDF2 costs about half a second per call: hash once and give every
        # demo user the same hash string.
        if self._password_hash is None:
            self._password_hash = make_password(data.DEMO_PASSWORD)
        return self._password_hash

    def line(self, label, total, new):
        self.stdout.write(f"  {label}: {total} ({new} new)")

    def user(self, email, given_name, family_name, **extra):
        # The password is set on creation only: a re-run does not reset it.
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "given_name": given_name,
                "family_name": family_name,
                "password": self.password_hash,  # a callable: hashed only if created
                **extra,
            },
        )
        # Only a verified address logs in; a demo address counts as verified,
        # as an invitation sign-up leaves it (also mended on a re-run).
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
        return user, created

    # --- base phases ---------------------------------------------------------

    def seed_conference(self):
        spec = dict(data.CONFERENCE)
        slug = spec.pop("slug")
        conference = Conference.objects.filter(slug=slug).first()
        created = conference is None
        if created:
            tz = zoneinfo.ZoneInfo(spec["time_zone"])
            today = timezone.localdate(timezone=tz)
            start = today + dt.timedelta(days=data.STARTS_IN_DAYS)
            conference = Conference.objects.create(
                slug=slug,
                start_date=start,
                end_date=start + dt.timedelta(days=data.LENGTH_DAYS - 1),
                registration_opens_at=dt.datetime.combine(
                    today - dt.timedelta(days=14), dt.time(9), tzinfo=tz
                ),
                registration_closes_at=dt.datetime.combine(
                    start - dt.timedelta(days=3), dt.time(23, 59), tzinfo=tz
                ),
                **spec,
            )
        self.stdout.write(
            f"Conference {conference.slug}: {conference.name}, "
            f"{conference.start_date:%d %b %Y} – {conference.end_date:%d %b %Y} "
            f"({'new' if created else 'kept'})"
        )
        if not created and not conference.registration_is_open(self.now):
            # Dates are fixed when the conference is first created, so that
            # a re-run never moves sessions and booked meetings.
            self.stderr.write(
                "  Registration for this demo conference is closed (it was seeded on an "
                "earlier day). Start from an empty database to date it from today."
            )

        # The demo staff logins have no TOTP device; the contract is that they work.
        if conference.require_staff_mfa:
            conference.require_staff_mfa = False
            conference.save(update_fields=["require_staff_mfa"])
            self.stdout.write("  Set require_staff_mfa=False so the demo staff logins work.")
        else:
            self.stdout.write("  require_staff_mfa is False: the demo staff logins work.")

        new = 0
        for position, (name, capacity, location) in enumerate(data.ROOMS):
            _, created = Room.objects.get_or_create(
                conference=conference,
                name=name,
                defaults={"capacity": capacity, "location": location, "position": position},
            )
            new += created
        self.line("rooms", len(data.ROOMS), new)
        new = 0
        for position, (name, colour) in enumerate(data.TRACKS):
            _, created = Track.objects.get_or_create(
                conference=conference,
                name=name,
                defaults={"colour": colour, "position": position},
            )
            new += created
        self.line("tracks", len(data.TRACKS), new)
        return conference

    def seed_organisations(self):
        orgs, new = {}, 0
        for spec in data.ORGANISATIONS:
            # Names are unique case-insensitively (the constraint is on lower(name)).
            org, created = Organisation.objects.get_or_create(
                name__iexact=spec["name"], defaults=spec
            )
            orgs[spec["name"]] = org
            new += created
        self.line("organisations", len(orgs), new)
        return orgs

    def seed_people(self, conference, orgs):
        new_users = new_regs = 0
        organiser = None
        for email, given_name, family_name, role in data.STAFF:
            user, created = self.user(email, given_name, family_name)
            ConferenceRole.objects.get_or_create(user=user, conference=conference, role=role)
            new_users += created
            if role == Role.ORGANISER:
                organiser = user
        email, given_name, family_name = data.ADMIN
        _, created = self.user(email, given_name, family_name, is_staff=True, is_superuser=True)
        new_users += created

        regs = {}
        id_expiry = self.now.date() + dt.timedelta(days=3 * 365)
        for number, spec in enumerate(data.DELEGATES, start=1):
            login = f"delegate{number}"
            spec = dict(spec)
            user, created = self.user(
                login_email(login),
                spec.pop("given_name"),
                spec.pop("family_name"),
                family_name_first=spec.pop("family_name_first", False),
            )
            new_users += created
            consent = spec.pop("directory_consent", True)
            regs[login], created = Registration.objects.get_or_create(
                conference=conference,
                user=user,
                defaults={
                    "organisation": orgs[spec.pop("organisation")],
                    "status": spec.pop("status", Registration.Status.APPROVED),
                    "id_document_type": spec.pop(
                        "id_document_type", Registration.IdDocumentType.PASSPORT
                    ),
                    # Obviously fake, so no one mistakes the gate list for real data.
                    "id_document_number": f"DEMO{number:05d}",
                    "id_document_expiry": id_expiry,
                    "directory_consent": consent,
                    "directory_contact": user.email if consent else "",
                    "privacy_accepted_at": self.now,
                    **spec,
                },
            )
            new_regs += created
        self.line("users", len(data.STAFF) + 1 + len(data.DELEGATES), new_users)
        self.line("registrations", len(regs), new_regs)

        new = 0
        for email, name, org_name, status in data.INVITATIONS:
            if Invitation.objects.filter(conference=conference, email__iexact=email).exists():
                continue
            sent_at = self.now - dt.timedelta(days=20 if status == "expired" else 2)
            Invitation.objects.create(
                conference=conference,
                email=email,
                name=name,
                organisation=orgs[org_name],
                status=status,
                invited_by=organiser,
                sent_at=sent_at,
                opened_at=self.now - dt.timedelta(days=1) if status == "opened" else None,
                expires_at=sent_at + dt.timedelta(days=14),
            )
            new += 1
        self.line("invitations", len(data.INVITATIONS), new)
        return organiser, regs

    def seed_agenda(self, conference, regs):
        rooms = {room.name: room for room in conference.rooms.all()}
        tracks = {track.name: track for track in conference.tracks.all()}
        speakers, new_speakers = {}, 0
        for name, title, bio in data.SPEAKERS:
            speakers[name], created = Speaker.objects.get_or_create(
                conference=conference, name=name, defaults={"title": title, "bio": bio}
            )
            new_speakers += created

        sessions, new = {}, 0
        for day, start, end, title, kind, room, track, extra, cast in data.SESSIONS:
            session, created = Session.objects.get_or_create(
                conference=conference,
                title=title,
                starts_at=local_time(conference, day, start),
                defaults={
                    "ends_at": local_time(conference, day, end),
                    "kind": kind,
                    "room": rooms.get(room),
                    "track": tracks.get(track),
                    "published": True,
                    **extra,
                },
            )
            sessions[title] = session
            new += created
            for position, (who, role) in enumerate(cast):
                if who in regs:
                    speaker, made = self.delegate_speaker(conference, regs[who])
                    new_speakers += made
                else:
                    speaker = speakers[who]
                SessionSpeaker.objects.get_or_create(
                    session=session,
                    speaker=speaker,
                    defaults={"role": role, "position": position},
                )
        self.line("sessions", len(data.SESSIONS), new)
        self.line("speakers", Speaker.objects.filter(conference=conference).count(), new_speakers)
        return sessions

    def delegate_speaker(self, conference, registration):
        user = registration.user
        return Speaker.objects.get_or_create(
            conference=conference,
            name=user.display_name,
            defaults={
                "registration": registration,
                "title": f"{registration.job_title}, {registration.organisation}",
            },
        )

    def publish_if_changed(self, conference, organiser):
        """
        Publish a release when there is none, or when published sessions are
        missing from the latest one. The seed only adds sessions, so comparing
        which sessions a release holds is enough to know it is out of date.
        """
        latest = ScheduleRelease.objects.filter(conference=conference).order_by("-number").first()
        published = set(
            Session.objects.filter(conference=conference, published=True).values_list(
                "pk", flat=True
            )
        )
        if latest is not None and published <= {item["id"] for item in latest.snapshot}:
            self.stdout.write(f"  agenda: release {latest.number} is up to date")
            return
        release = schedule_publish(conference=conference, actor=organiser)
        self.stdout.write(f"  agenda: published release {release.number}")

    def seed_signups(self, sessions, regs):
        new = 0
        for title, (confirmed, waitlisted) in data.SIGNUPS.items():
            session = sessions[title]
            wanted = [(login, "confirmed") for login in confirmed]
            wanted += [(login, "waitlisted") for login in waitlisted]
            for login, status in wanted:
                registration = regs[login]
                # Any row, even a cancelled one, is that person's choice: keep it.
                if session.signups.filter(registration=registration).exists():
                    continue
                taken = session.signups.filter(status=SessionSignup.Status.CONFIRMED).count()
                if session.capacity is not None and taken >= session.capacity:
                    status = SessionSignup.Status.WAITLISTED
                SessionSignup.objects.create(
                    session=session, registration=registration, status=status
                )
                new += 1
            # `taken` mirrors the confirmed sign-ups; the check constraint caps it.
            taken = session.signups.filter(status=SessionSignup.Status.CONFIRMED).count()
            if taken != session.taken:
                Session.objects.filter(pk=session.pk).update(taken=taken)
        total = sum(len(c) + len(w) for c, w in data.SIGNUPS.values())
        self.line("session sign-ups", total, new)

    def seed_b2b(self, conference, sessions, orgs, regs, organiser):
        room = Room.objects.get(conference=conference, name=data.B2B_TABLE_ROOM)
        labels = [f"T{n:02d}" for n in range(1, data.B2B_TABLES + 1)]
        new = self.create_tables(conference, room, labels)
        tables = {t.label: t for t in Table.objects.filter(conference=conference, label__in=labels)}
        self.line("tables", len(tables), new)

        blocks = [s for s in sessions.values() if s.kind == Session.Kind.B2B_BLOCK]
        new = sum(self.create_slots(conference, block) for block in blocks)
        slots = list(MeetingSlot.objects.filter(block__in=blocks).order_by("starts_at"))
        self.line("meeting slots", len(slots), new)

        for login, slot_number in data.UNAVAILABLE:
            Unavailability.objects.get_or_create(registration=regs[login], slot=slots[slot_number])

        requests, new = {}, 0
        for spec in data.REQUESTS:
            request, created = self.meeting_request(conference, spec, regs, orgs)
            requests[spec["from"], spec.get("to")] = request
            new += created
        self.line("meeting requests", len(requests), new)

        new = 0
        for spec in data.MEETINGS:
            people = [regs[login] for login in spec["people"]]
            request = requests[spec["people"]] if spec["request"] else None
            if request is not None and (
                request.status != MeetingRequest.Status.ACCEPTED or request.meetings.exists()
            ):
                continue
            together = Meeting.objects.filter(seats__registration=people[0]).filter(
                seats__registration=people[1]
            )
            if together.exists():
                continue
            actor = request.responded_by.user if request else organiser
            self.book(conference, slots, tables, people, spec, request, actor)
            new += 1
        self.line("meetings", len(data.MEETINGS), new)

    def create_tables(self, conference, room, labels):
        existing = set(
            Table.objects.filter(conference=conference, label__in=labels).values_list(
                "label", flat=True
            )
        )
        missing = [
            Table(conference=conference, room=room, label=label)
            for label in labels
            if label not in existing
        ]
        Table.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        return len(missing)

    def create_slots(self, conference, block):
        """Cut a B2B block into back-to-back slots, unless it has slots already."""
        # A block with slots is left alone: the organisers may have changed the
        # slot length since, and new slots would overlap the old ones.
        if block.meeting_slots.exists():
            return 0
        length = dt.timedelta(minutes=conference.b2b_slot_minutes)
        slots, start = [], block.starts_at
        while start + length <= block.ends_at:
            slots.append(
                MeetingSlot(
                    conference=conference, block=block, starts_at=start, ends_at=start + length
                )
            )
            start += length
        MeetingSlot.objects.bulk_create(slots)
        return len(slots)

    def meeting_request(self, conference, spec, regs, orgs):
        requester = regs[spec["from"]]
        target = regs.get(spec.get("to"))
        target_organisation = orgs.get(spec.get("to_organisation"))
        # Any earlier request between the two counts, whatever became of it.
        existing = (
            MeetingRequest.objects.filter(
                requester=requester,
                target_registration=target,
                target_organisation=target_organisation,
            )
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing, False
        status = spec.get("status", MeetingRequest.Status.PENDING)
        answered = status in (MeetingRequest.Status.ACCEPTED, MeetingRequest.Status.DECLINED)
        pending = status == MeetingRequest.Status.PENDING
        request = MeetingRequest.objects.create(
            conference=conference,
            requester=requester,
            target_registration=target,
            target_organisation=target_organisation,
            agenda=spec["agenda"],
            priority=spec.get("priority", MeetingRequest.Priority.NORMAL),
            status=status,
            responded_by=target if answered else None,
            responded_at=self.now if answered else None,
            decline_reason=spec.get("decline_reason", ""),
            expires_at=(
                self.now + dt.timedelta(hours=conference.b2b_request_expiry_hours)
                if pending
                else None
            ),
        )
        return request, True

    def book(self, conference, slots, tables, people, spec, request, actor):
        """Book at the preferred slot and table, or else the first free pair."""
        unavailable = set(
            Unavailability.objects.filter(registration__in=people).values_list("slot_id", flat=True)
        )
        preferred = (slots[spec["slot"]], tables[spec["table"]])
        candidates = [preferred] + [(s, t) for s in slots for t in tables.values()]
        for slot, table in candidates:
            if slot.pk in unavailable:
                continue
            try:
                return meeting_create(
                    conference=conference,
                    slot=slot,
                    table=table,
                    registrations=people,
                    request=request,
                    note=spec.get("note", ""),
                    actor=actor,
                    # Demo meetings are not news to anyone: no confirmation emails.
                    notify=False,
                )
            except BookingError:
                continue  # taken since the last run: try the next slot and table
        raise CommandError(f"No free slot and table for {people[0]} and {people[1]}.")

    # --- --scale large -------------------------------------------------------

    def seed_large(self, conference, organiser):
        self.stdout.write("Large scale:")
        with transaction.atomic():
            orgs = self.large_organisations()
        with transaction.atomic():
            regs = self.large_delegates(conference, orgs)
        with transaction.atomic():
            blocks = self.large_agenda(conference)
        self.publish_if_changed(conference, organiser)
        with transaction.atomic():
            self.large_b2b(conference, blocks)
        with transaction.atomic():
            self.large_requests(conference, regs, orgs)
        self.analyze()

    def analyze(self):
        """
        Refresh PostgreSQL's planner statistics after the bulk load, so that
        whatever runs next (benchmarks, the scheduler) gets sensible plans at
        once instead of after autovacuum's next pass.
        """
        if connection.vendor != "postgresql":
            return
        models = [User, Registration, Organisation, Session, MeetingSlot, Table, MeetingRequest]
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def large_organisations(self):
        places, sectors = data.LARGE_PLACES, data.LARGE_SECTORS
        specs = []
        for i in range(data.LARGE_ORGANISATIONS):
            place, country = places[i % len(places)]
            sector, kind = sectors[(i // len(places)) % len(sectors)]
            specs.append((f"{place} {sector}", kind, country))
        # The table is small (hundreds of rows): read every name once.
        existing = {name.lower() for name in Organisation.objects.values_list("name", flat=True)}
        missing = [
            Organisation(
                name=name,
                kind=kind,
                country=country,
                description="Synthetic organisation generated for load testing.",
                offers="Partnerships along the battery value chain.",
                seeks="Meetings with recyclers, car makers and financiers.",
            )
            for name, kind, country in specs
            if name.lower() not in existing
        ]
        Organisation.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        by_name = {o.name.lower(): o for o in Organisation.objects.all()}
        self.line("organisations", len(specs), len(missing))
        return [by_name[name.lower()] for name, _, _ in specs]

    def large_delegates(self, conference, orgs):
        # Queries here are plain scans joined in Python: right after a bulk
        # insert PostgreSQL has no statistics yet, and a join or IN-subquery
        # on the fresh rows gets a nested-loop plan that takes many seconds.
        emails = [BULK_EMAIL.format(i) for i in range(1, data.LARGE_DELEGATES + 1)]
        user_ids = dict(
            User.objects.filter(email__regex=BULK_EMAIL_REGEX).values_list("email", "pk")
        )
        users = []
        for i, email in enumerate(emails, start=1):
            if email in user_ids:
                continue
            country = orgs[i % len(orgs)].country.code
            given = data.LARGE_GIVEN_NAMES[country]
            family = data.LARGE_FAMILY_NAMES[country]
            users.append(
                User(
                    email=email,
                    given_name=given[i % len(given)],
                    family_name=family[(i // len(given)) % len(family)],
                    family_name_first=country == "JP",
                    password=self.password_hash(),
                )
            )
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        if users:
            user_ids = dict(
                User.objects.filter(email__regex=BULK_EMAIL_REGEX).values_list("email", "pk")
            )
            EmailAddress.objects.bulk_create(
                [
                    EmailAddress(
                        user_id=user_ids[u.email], email=u.email, verified=True, primary=True
                    )
                    for u in users
                ],
                batch_size=BATCH_SIZE,
                ignore_conflicts=True,
            )
        self.line("users", len(emails), len(users))

        registered = set(
            Registration.objects.filter(conference=conference).values_list("user_id", flat=True)
        )
        registrations = []
        for i, email in enumerate(emails, start=1):
            if user_ids[email] in registered:
                continue
            org = orgs[i % len(orgs)]
            registrations.append(
                Registration(
                    conference=conference,
                    user_id=user_ids[email],
                    organisation=org,
                    job_title=data.LARGE_JOB_TITLES[i % len(data.LARGE_JOB_TITLES)],
                    nationality=org.country,
                    status=Registration.Status.APPROVED,
                    status_changed_at=self.now,
                    id_document_type=Registration.IdDocumentType.PASSPORT,
                    id_document_number=f"BULK{i:06d}",
                    # One in ten keeps out of the directory, as real delegates
                    # do; spread so that every organisation keeps someone listed.
                    directory_consent=(i + i // len(orgs)) % 10 != 0,
                    privacy_accepted_at=self.now,
                )
            )
        Registration.objects.bulk_create(registrations, batch_size=BATCH_SIZE)
        self.line("registrations", len(emails), len(registrations))

        by_user = {
            r.user_id: r
            for r in Registration.objects.filter(conference=conference).only(
                "pk", "user_id", "organisation_id", "directory_consent"
            )
        }
        return [by_user[user_ids[email]] for email in emails]

    def large_agenda(self, conference):
        rooms = {}
        for position, name in enumerate([*data.LARGE_ROOMS, data.LARGE_B2B_ROOM], start=10):
            rooms[name], _ = Room.objects.get_or_create(
                conference=conference, name=name, defaults={"capacity": 60, "position": position}
            )
        tracks = list(conference.tracks.all())

        wanted = []
        per_day = len(data.LARGE_ROOMS) * len(data.LARGE_PERIODS)
        for n in range(data.LARGE_SESSIONS):
            day, rest = divmod(n, per_day)
            period, room_index = divmod(rest, len(data.LARGE_ROOMS))
            start, end = data.LARGE_PERIODS[period]
            workshop = n % 4 == 1
            wanted.append(
                Session(
                    conference=conference,
                    title=f"Deep dive {n + 1:02d}: {data.LARGE_TOPICS[n % len(data.LARGE_TOPICS)]}",
                    kind=Session.Kind.WORKSHOP if workshop else Session.Kind.PANEL,
                    room=rooms[data.LARGE_ROOMS[room_index]],
                    track=tracks[n % len(tracks)],
                    starts_at=local_time(conference, day, start),
                    ends_at=local_time(conference, day, end),
                    capacity=40 if workshop else None,
                    signup_required=workshop,
                    published=True,
                )
            )
        for day, start, end, title in data.LARGE_B2B_BLOCKS:
            wanted.append(
                Session(
                    conference=conference,
                    title=title,
                    kind=Session.Kind.B2B_BLOCK,
                    room=rooms[data.LARGE_B2B_ROOM],
                    starts_at=local_time(conference, day, start),
                    ends_at=local_time(conference, day, end),
                    published=True,
                )
            )
        titles = {s.title for s in wanted}
        existing = set(
            Session.objects.filter(conference=conference, title__in=titles).values_list(
                "title", flat=True
            )
        )
        missing = [s for s in wanted if s.title not in existing]
        Session.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.line("sessions and B2B blocks", len(wanted), len(missing))
        block_titles = [title for _, _, _, title in data.LARGE_B2B_BLOCKS]
        return list(Session.objects.filter(conference=conference, title__in=block_titles))

    def large_b2b(self, conference, blocks):
        new = sum(self.create_slots(conference, block) for block in blocks)
        total = MeetingSlot.objects.filter(block__in=blocks).count()
        self.line("meeting slots", total, new)
        room = Room.objects.get(conference=conference, name=data.LARGE_B2B_ROOM)
        first = data.B2B_TABLES + 1
        labels = [f"T{n:02d}" for n in range(first, first + data.LARGE_TABLES)]
        self.line("tables", len(labels), self.create_tables(conference, room, labels))

    def large_requests(self, conference, regs, orgs):
        """
        3,000 requests between the bulk delegates, a fifth of them to an
        organisation; only delegates and organisations listed in the directory
        are asked. The pairs are a fixed function of the position, so a
        re-run computes the same ones and finds them all present. No pair
        repeats, so "one pending request per pair" holds; nobody asks
        themselves or their own organisation.
        """
        consenting = [r for r in regs if r.directory_consent]
        # Who answers a request to an organisation: its first listed delegate.
        answerer = {}
        for r in consenting:
            answerer.setdefault(r.organisation_id, r.pk)
        listed_orgs = [o for o in orgs if o.pk in answerer]
        wanted, seen, i = [], set(), 0
        while len(wanted) < data.LARGE_REQUESTS:
            requester = regs[i % len(regs)]
            spread = i // len(regs)  # a second round reaches different people
            if i % 5 == 4:
                org = listed_orgs[(i * 7 + spread) % len(listed_orgs)]
                key = (requester.pk, None, org.pk)
                ok = org.pk != requester.organisation_id
            else:
                target = consenting[(i * 13 + spread * 101 + 1) % len(consenting)]
                key = (requester.pk, target.pk, None)
                ok = target.pk != requester.pk
            if ok and key not in seen:
                seen.add(key)
                wanted.append((i, key))
            i += 1

        existing = set(
            MeetingRequest.objects.filter(conference=conference).values_list(
                "requester_id", "target_registration_id", "target_organisation_id"
            )
        )
        expires_at = self.now + dt.timedelta(hours=conference.b2b_request_expiry_hours)
        missing = []
        for i, (requester_id, target_id, org_id) in wanted:
            if (requester_id, target_id, org_id) in existing:
                continue
            # Mostly pending; one in ten accepted (for the scheduler to place),
            # one in ten declined.
            status = {0: "accepted", 1: "declined"}.get(i % 10, "pending")
            topic = data.LARGE_TOPICS[i % len(data.LARGE_TOPICS)]
            answered = status != "pending"
            missing.append(
                MeetingRequest(
                    conference=conference,
                    requester_id=requester_id,
                    target_registration_id=target_id,
                    target_organisation_id=org_id,
                    agenda=f"Introductory meeting: {topic}.",
                    priority=1 + i % 3,
                    status=status,
                    responded_by_id=(target_id or answerer.get(org_id)) if answered else None,
                    responded_at=self.now if answered else None,
                    expires_at=None if answered else expires_at,
                )
            )
        MeetingRequest.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.line("meeting requests", len(wanted), len(missing))

    # --- output --------------------------------------------------------------

    def print_logins(self, seconds):
        first, second = data.DELEGATES[0], data.DELEGATES[1]
        approved = sum(1 for d in data.DELEGATES if d.get("status", "approved") == "approved")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo conference ready in {seconds:.1f} s:"))
        self.stdout.write(f"  {PORTAL_URL}")
        self.stdout.write(f"Logins (password {data.DEMO_PASSWORD}):")
        self.stdout.write("  organiser@example.org   organiser")
        self.stdout.write("  security@example.org    security officer (gate list)")
        self.stdout.write("  checkin@example.org     check-in staff")
        self.stdout.write(
            f"  delegate1@example.org … delegate{approved}@example.org   approved delegates "
            f"(delegate1 at {first['organisation']}, delegate2 at {second['organisation']})"
        )
        self.stdout.write(
            f"  delegate{approved + 1}@example.org … delegate{len(data.DELEGATES)}@example.org   "
            "pending or on the waiting list"
        )
        self.stdout.write("  admin@example.org       Django admin at /admin/")
