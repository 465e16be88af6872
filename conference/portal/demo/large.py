"""
`seed_demo --scale large`: synthetic volume on top of the demo conference
for benchmarks (2,000 delegates, 400 organisations, 80 sessions, 24 B2B slots
× 30 tables and 3,000 meeting requests), written with bulk inserts. The
organisations and delegates have matchmaking profiles (value chain, topics,
offers and seeks in English and Japanese, bios, languages, interests: see
conference.portal.demo.large_profiles). As idempotent as the base seed: a
re-run finds every row and adds nothing.
"""

import datetime as dt

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.db.models.functions import Lower

from accounts.models import Registration, User
from b2b_meetings.models import (
    DelegateProfile,
    MeetingRequest,
    MeetingSlot,
    OrganisationTopics,
    Table,
    Topic,
)
from conference.core.models import Organisation, Room
from conference.portal.demo import data, large_profiles
from conference.portal.demo.seed import BATCH_SIZE, DemoSeed, local_time
from sessions_app.models import Session

# Large-scale users are bulk0001@example.org … bulk2000@example.org.
BULK_EMAIL = "bulk{:04d}@example.org"
BULK_EMAIL_REGEX = r"^bulk[0-9]{4}@example\.org$"
# What earlier versions of the large seed wrote instead of a profile.
SYNTHETIC_DESCRIPTION = "Synthetic organisation generated for load testing."


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
            self.large_profiles(conference, orgs, regs)
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
        models = [
            User,
            Registration,
            Organisation,
            Session,
            MeetingSlot,
            Table,
            MeetingRequest,
            Topic,
            OrganisationTopics,
            OrganisationTopics.offered.through,
            OrganisationTopics.sought.through,
            DelegateProfile,
            DelegateProfile.topics.through,
        ]
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def large_organisations(self):
        places, sectors = data.LARGE_PLACES, data.LARGE_SECTORS
        specs = []
        for i in range(data.LARGE_ORGANISATIONS):
            place, country = places[i % len(places)]
            sector, kind = sectors[(i // len(places)) % len(sectors)]
            name = f"{place} {sector}"
            profile = large_profiles.organisation_profile(i, name, sector, country)
            specs.append((name, kind, country, profile))
        # Topic codes offered and sought, by position (large_profiles reads them).
        self.large_org_topics = [(p["offered"], p["sought"]) for _, _, _, p in specs]
        # The table is small (hundreds of rows): read every name once.
        existing = dict(Organisation.objects.values_list(Lower("name"), "description"))
        missing = [
            Organisation(name=name, kind=kind, country=country, **profile["fields"])
            for name, kind, country, profile in specs
            if name.lower() not in existing
        ]
        Organisation.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        by_name = {o.name.lower(): o for o in Organisation.objects.all()}
        # Mend organisations an earlier large seed left without a profile
        # (and only those: what anyone wrote since is kept).
        stale = []
        for name, _kind, _country, profile in specs:
            if existing.get(name.lower()) == SYNTHETIC_DESCRIPTION:
                org = by_name[name.lower()]
                for attribute, value in profile["fields"].items():
                    setattr(org, attribute, value)
                stale.append(org)
        fields = list(specs[0][3]["fields"]) if specs else []
        Organisation.objects.bulk_update(stale, fields, batch_size=BATCH_SIZE)
        self.line("organisations", len(specs), len(missing))
        return [by_name[name.lower()] for name, _, _, _ in specs]

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
            given, family = large_profiles.person_name(
                i, country, data.LARGE_GIVEN_NAMES, data.LARGE_FAMILY_NAMES
            )
            users.append(
                User(
                    email=email,
                    given_name=given,
                    family_name=family,
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

    def large_topics(self, conference):
        """The demo taxonomy, by code: the small seed makes it; what is missing is added."""
        have = set(Topic.objects.filter(conference=conference).values_list("code", flat=True))
        missing = [
            Topic(conference=conference, code=code, label_en=en, label_ja=ja, position=n)
            for n, (code, en, ja) in enumerate(large_profiles.TOPICS)
            if code not in have
        ]
        Topic.objects.bulk_create(missing)
        self.line("topics", len(large_profiles.TOPICS), len(missing))
        return dict(Topic.objects.filter(conference=conference).values_list("code", "pk"))

    def large_profiles(self, conference, orgs, regs):
        """
        The large organisations' topics at the conference, and a profile for
        every large delegate (bio, languages, interests). Rows that exist,
        whoever wrote them, are left alone. Plain scans joined in Python, as
        in large_delegates.
        """
        topics = self.large_topics(conference)

        def topic_ids(codes):
            return [topics[code] for code in codes if code in topics]

        entries = dict(
            OrganisationTopics.objects.filter(conference=conference).values_list(
                "organisation_id", "pk"
            )
        )
        new_orgs = {org.pk: n for n, org in enumerate(orgs) if org.pk not in entries}
        OrganisationTopics.objects.bulk_create(
            [OrganisationTopics(conference=conference, organisation_id=pk) for pk in new_orgs],
            batch_size=BATCH_SIZE,
        )
        if new_orgs:
            entries = dict(
                OrganisationTopics.objects.filter(conference=conference).values_list(
                    "organisation_id", "pk"
                )
            )
        offered, sought = OrganisationTopics.offered.through, OrganisationTopics.sought.through
        offered_rows, sought_rows = [], []
        for pk, n in new_orgs.items():
            codes_offered, codes_sought = self.large_org_topics[n]
            offered_rows += [
                offered(organisationtopics_id=entries[pk], topic_id=t)
                for t in topic_ids(codes_offered)
            ]
            sought_rows += [
                sought(organisationtopics_id=entries[pk], topic_id=t)
                for t in topic_ids(codes_sought)
            ]
        offered.objects.bulk_create(offered_rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
        sought.objects.bulk_create(sought_rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
        self.line("organisation topics", len(orgs), len(new_orgs))

        have = set(DelegateProfile.objects.values_list("registration_id", flat=True))
        org_index = {org.pk: n for n, org in enumerate(orgs)}
        profiles, interests = [], {}
        for i, reg in enumerate(regs, start=1):
            if reg.pk in have:
                continue
            org = orgs[i % len(orgs)]
            spec = large_profiles.delegate_profile(
                i,
                job_title=data.LARGE_JOB_TITLES[i % len(data.LARGE_JOB_TITLES)],
                organisation_name=org.name,
                country=org.country.code,
                organisation_topics=self.large_org_topics[org_index[org.pk]],
            )
            profiles.append(
                DelegateProfile(
                    registration_id=reg.pk, bio=spec["bio"], languages=spec["languages"]
                )
            )
            interests[reg.pk] = topic_ids(spec["interests"])
        DelegateProfile.objects.bulk_create(profiles, batch_size=BATCH_SIZE)
        if profiles:
            profile_ids = dict(DelegateProfile.objects.values_list("registration_id", "pk"))
            through = DelegateProfile.topics.through
            through.objects.bulk_create(
                [
                    through(delegateprofile_id=profile_ids[reg_id], topic_id=t)
                    for reg_id, ids in interests.items()
                    for t in ids
                ],
                batch_size=BATCH_SIZE,
                ignore_conflicts=True,
            )
        self.line("delegate profiles", len(regs), len(profiles))

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
