"""
The demo conference (slug `bcmec`) built by `manage.py seed_demo`: its
rooms and tracks, organisations, staff and delegates with their logins,
the matchmaking taxonomy and profiles, invitations, agenda and published
release, sign-ups and B2B meetings, dated relative to the day it first runs
(the cast: conference.portal.demo.data).

Idempotent: every row is looked up by a natural key before it is created, and
rows that exist are left alone, so a second run adds nothing and an
organiser's edits in the browser survive a re-run. Each phase is one
transaction.
"""

import datetime as dt
import zoneinfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Invitation,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    User,
)
from accounts.questions import answer_snapshot
from b2b_meetings.models import (
    DelegateProfile,
    Meeting,
    MeetingMessage,
    MeetingRequest,
    MeetingSlot,
    OrganisationTopics,
    Table,
    Topic,
    Unavailability,
)
from b2b_meetings.services import BookingError, meeting_create
from conference.core import email_templates
from conference.core.content import content_data, content_text
from conference.core.email_templates.services import email_template_save
from conference.core.models import (
    Conference,
    ConferenceRole,
    EmailTemplate,
    Organisation,
    Role,
)
from conference.portal.demo import data
from conference.portal.demo.data_ja import bilingual
from sessions_app.models import (
    ScheduleRelease,
    Session,
    SessionSignup,
    SessionSpeaker,
    Speaker,
)
from sessions_app.services import schedule_publish

BATCH_SIZE = 500

VISA_QUESTION = {
    "kind": RegistrationQuestion.Kind.YES_NO,
    "label_en": "Do you need a visa support letter?",
    "label_ja": "ビザサポートレターが必要ですか？",
    "help_en": "The embassy sends it to you by email.",
    "help_ja": "大使館からメールでお送りします。",
    "required": True,
}


def local_time(conference, day, hhmm):
    """An aware datetime on day `day` of the conference, in its time zone."""
    date = conference.start_date + dt.timedelta(days=day)
    return dt.datetime.combine(date, dt.time.fromisoformat(hhmm), tzinfo=conference.tz)


def login_email(login):
    return f"{login}@example.org"


# The conference's texts written in several languages (see data_ja).
CONFERENCE_TEXTS = ("name", "tagline", "description")


def english(text):
    """The English of a text in several languages (the demo's key for it)."""
    return content_text(text, "en")


def has_japanese(text):
    data = content_data(text)
    return isinstance(data, dict) and bool(data.get("ja"))


def texts_set(obj, texts):
    """Give `obj` these texts where it lacks them (a row seeded before they had Japanese)."""
    changed = [
        field for field, value in texts.items() if content_data(getattr(obj, field)) != value
    ]
    for field in changed:
        setattr(obj, field, texts[field])
    if changed:
        obj.save(update_fields=changed)


def by_english_or_create(queryset, field, text, **values):
    """
    The row of `queryset` whose `field` reads `text` in English, given its
    Japanese where it lacks it, or a new one (`values` for the other fields):
    a re-run finds the rows of an earlier one, whatever languages they hold.
    """
    wanted = bilingual(text)
    for obj in queryset:
        if english(getattr(obj, field)) == text:
            texts_set(obj, {field: wanted})
            return obj, False
    return queryset.create(**{field: wanted, **values}), True


class DemoSeed:
    """The demo conference's seed; progress lines go to the command's `stdout` and `stderr`."""

    def __init__(self, *, stdout, stderr):
        self.stdout = stdout
        self.stderr = stderr
        self.now = timezone.now()
        self._password_hash = None

    def run(self):
        """Seed every phase; returns the conference and its organiser."""
        with transaction.atomic():
            conference = self.seed_conference()
        with transaction.atomic():
            orgs = self.seed_organisations()
        with transaction.atomic():
            organiser, regs = self.seed_people(conference, orgs)
        with transaction.atomic():
            self.seed_questions(conference, regs)
        with transaction.atomic():
            self.seed_email_templates(conference, organiser)
        with transaction.atomic():
            self.seed_matchmaking(conference, orgs, regs)
        with transaction.atomic():
            sessions = self.seed_agenda(conference, regs)
        self.publish_if_changed(conference, organiser)
        with transaction.atomic():
            self.seed_signups(sessions, regs)
        with transaction.atomic():
            self.seed_b2b(conference, sessions, orgs, regs, organiser)
        return conference, organiser

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
        for field in CONFERENCE_TEXTS:
            spec[field] = bilingual(spec[field])
        conference = Conference.objects.filter(slug=slug).first()
        created = conference is None
        if not created:
            # A conference seeded before its texts had Japanese gets it now.
            texts_set(conference, {field: spec[field] for field in CONFERENCE_TEXTS})
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
            _, created = by_english_or_create(
                conference.rooms.all(),
                "name",
                name,
                conference=conference,
                capacity=capacity,
                location=location,
                position=position,
            )
            new += created
        self.line("rooms", len(data.ROOMS), new)
        new = 0
        for position, (name, colour) in enumerate(data.TRACKS):
            _, created = by_english_or_create(
                conference.tracks.all(),
                "name",
                name,
                conference=conference,
                colour=colour,
                position=position,
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

    def seed_questions(self, conference, regs):
        """The custom registration question, and the demo delegates' answers (every third: yes)."""
        question, created = RegistrationQuestion.objects.get_or_create(
            conference=conference,
            label_en=VISA_QUESTION["label_en"],
            defaults=VISA_QUESTION,
        )
        self.line("registration questions", 1, int(created))
        new = 0
        for number, login in enumerate(regs, start=1):
            _, created = RegistrationAnswer.objects.get_or_create(
                registration=regs[login],
                question=question,
                defaults=answer_snapshot(question, number % 3 == 0),
            )
            new += created
        self.line("answers", len(regs), new)

    def seed_email_templates(self, conference, organiser):
        """
        The organisers' Japanese wording of the invitation (embassy protocol
        wording), saved once: a re-run keeps whatever the organisers made of it.
        """
        kind = email_templates.kind_get("invitation")
        created = not EmailTemplate.objects.filter(
            conference=conference, kind=kind.key, language="ja"
        ).exists()
        if created:
            email_template_save(
                conference=conference,
                kind=kind,
                language="ja",
                subject=data.INVITATION_JA["subject"],
                body=data.INVITATION_JA["body"],
                actor=organiser,
            )
        self.line("email wordings", 1, int(created))

    def seed_matchmaking(self, conference, orgs, regs):
        """
        The taxonomy (by code), the organisations' profiles (where they have no
        value chain yet) and topics at this conference, and the delegates'
        profiles (created once): later edits in the browser survive a re-run.
        """
        topics, new = {}, 0
        for position, (code, label_en, label_ja) in enumerate(data.TAXONOMY):
            topics[code], created = Topic.objects.get_or_create(
                conference=conference,
                code=code,
                defaults={"label_en": label_en, "label_ja": label_ja, "position": position},
            )
            new += created
        self.line("topics", len(topics), new)

        new = 0
        for name, spec in data.ORGANISATION_PROFILES.items():
            spec = dict(spec)
            offered, sought = spec.pop("offered"), spec.pop("sought")
            org = orgs[name]
            if not org.value_chain:
                for field, value in spec.items():
                    setattr(org, field, value)
                org.save(update_fields=[*spec, "updated_at"])
            row, created = OrganisationTopics.objects.get_or_create(
                conference=conference, organisation=org
            )
            if created:
                row.offered.set([topics[code] for code in offered])
                row.sought.set([topics[code] for code in sought])
            new += created
        self.line("organisation profiles", len(data.ORGANISATION_PROFILES), new)

        new = 0
        for login, spec in data.DELEGATE_PROFILES.items():
            spec = dict(spec)
            chosen = spec.pop("topics")
            profile, created = DelegateProfile.objects.get_or_create(
                registration=regs[login], defaults=spec
            )
            if created:
                profile.topics.set([topics[code] for code in chosen])
            new += created
        self.line("delegate profiles", len(data.DELEGATE_PROFILES), new)

    def seed_agenda(self, conference, regs):
        rooms = {english(room.name): room for room in conference.rooms.all()}
        tracks = {english(track.name): track for track in conference.tracks.all()}
        speakers, new_speakers = {}, 0
        for name, title, bio in data.SPEAKERS:
            speakers[name], created = Speaker.objects.get_or_create(
                conference=conference, name=name, defaults={"title": title, "bio": bilingual(bio)}
            )
            if not created:
                texts_set(speakers[name], {"bio": bilingual(bio)})
            new_speakers += created

        sessions, new = {}, 0
        for day, start, end, title, kind, room, track, extra, cast in data.SESSIONS:
            extra = dict(extra)
            if "description" in extra:
                extra["description"] = bilingual(extra["description"])
            starts_at = local_time(conference, day, start)
            session, created = by_english_or_create(
                Session.objects.filter(conference=conference, starts_at=starts_at),
                "title",
                title,
                conference=conference,
                starts_at=starts_at,
                ends_at=local_time(conference, day, end),
                kind=kind,
                room=rooms.get(room),
                track=tracks.get(track),
                published=True,
                **extra,
            )
            if not created and "description" in extra:
                texts_set(session, {"description": extra["description"]})
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
        missing from the latest one, or their Japanese titles are. The seed only
        adds sessions and translations, so comparing which sessions (and which
        Japanese titles) a release holds is enough to know it is out of date.
        """
        latest = ScheduleRelease.objects.filter(conference=conference).order_by("-number").first()
        titles = dict(
            Session.objects.filter(conference=conference, published=True).values_list("pk", "title")
        )
        in_japanese = {pk for pk, title in titles.items() if has_japanese(title)}
        released = {item["id"]: item["title"] for item in latest.snapshot} if latest else {}
        released_in_japanese = {pk for pk, title in released.items() if has_japanese(title)}
        if (
            latest is not None
            and set(titles) <= set(released)
            and in_japanese <= released_in_japanese
        ):
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
        room, _ = by_english_or_create(
            conference.rooms.all(), "name", data.B2B_TABLE_ROOM, conference=conference
        )
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
            if created:
                self.request_extras(conference, spec, request, requests, regs, slots)
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
        answered = status in (
            MeetingRequest.Status.ACCEPTED,
            MeetingRequest.Status.DECLINED,
            MeetingRequest.Status.SCHEDULING,
        )
        pending = status == MeetingRequest.Status.PENDING
        request = MeetingRequest.objects.create(
            conference=conference,
            requester=requester,
            target_registration=target,
            target_organisation=target_organisation,
            agenda=spec["agenda"],
            priority=spec.get("priority", MeetingRequest.Priority.WOULD_LIKE),
            counter_priority=spec.get("counter_priority"),
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

    def request_extras(self, conference, spec, request, requests, regs, slots):
        """Proposed times, the join with a request the other way round, and messages."""
        if spec.get("proposed"):
            request.proposed_slots.set([slots[n] for n in spec["proposed"]])
        reverse = requests.get((spec.get("to"), spec["from"]))
        if reverse is not None and reverse.status == MeetingRequest.Status.PENDING:
            MeetingRequest.objects.filter(pk=request.pk).update(
                linked=reverse, counter_priority=reverse.priority
            )
            MeetingRequest.objects.filter(pk=reverse.pk).update(
                linked=request, counter_priority=request.priority
            )
        for n, (login, body) in enumerate(spec.get("messages", [])):
            MeetingMessage.objects.create(
                conference=conference,
                request=request,
                author=regs[login],
                author_user=regs[login].user,
                body=body,
                created_at=self.now - dt.timedelta(hours=len(spec["messages"]) - n),
            )

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
                    meeting_request=request,
                    note=spec.get("note", ""),
                    actor=actor,
                    # Demo meetings are not news to anyone: no confirmation emails.
                    notify=False,
                )
            except BookingError:
                continue  # taken since the last run: try the next slot and table
        raise CommandError(f"No free slot and table for {people[0]} and {people[1]}.")
