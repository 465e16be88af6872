"""
The B2B phases of the demo seed (a mixin of `seed.DemoSeed`): the
matchmaking taxonomy and profiles, then tables, meeting slots, requests
with their messages, and booked meetings, each idempotent.
"""

import datetime as dt

from django.core.management.base import CommandError

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
from conference.portal.demo import data
from conference.portal.demo.rows import BATCH_SIZE, by_english_or_create
from sessions_app.models import (
    Session,
)


class B2BPhases:
    """The B2B phases of `DemoSeed` (uses its `line` and `now`)."""

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
