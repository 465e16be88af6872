"""
`seed_demo --scale large`: synthetic volume on top of the demo conference
for benchmarks (2,000 delegates, 400 organisations, 80 sessions, 24 B2B slots
× 30 tables and 3,000 meeting requests), written with bulk inserts. As
idempotent as the base seed: a re-run finds every row and adds nothing.
"""

import datetime as dt

from allauth.account.models import EmailAddress
from django.db import connection, transaction

from accounts.models import Registration, User
from b2b_meetings.models import MeetingRequest, MeetingSlot, Table
from conference.core.models import Organisation, Room
from conference.portal.demo import data
from conference.portal.demo.seed import BATCH_SIZE, DemoSeed, local_time
from sessions_app.models import Session

# Large-scale users are bulk0001@example.org … bulk2000@example.org.
BULK_EMAIL = "bulk{:04d}@example.org"
BULK_EMAIL_REGEX = r"^bulk[0-9]{4}@example\.org$"


class LargeDemoSeed(DemoSeed):
    """The demo conference, then the volume."""

    def run(self):
        conference, organiser = super().run()
        self.seed_large(conference, organiser)
        return conference, organiser

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
            # Mostly pending; one in ten accepted to be scheduled (for the
            # scheduler to place; a third of those mutual wishes), one in ten
            # declined.
            status = {0: "scheduling", 1: "declined"}.get(i % 10, "pending")
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
                    counter_priority=(1 + i % 2) if status == "scheduling" and i % 3 == 0 else None,
                    status=status,
                    responded_by_id=(target_id or answerer.get(org_id)) if answered else None,
                    responded_at=self.now if answered else None,
                    expires_at=None if answered else expires_at,
                )
            )
        MeetingRequest.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.line("meeting requests", len(wanted), len(missing))
