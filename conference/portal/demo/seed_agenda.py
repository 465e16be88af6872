"""
The agenda phases of the demo seed (a mixin of `seed.DemoSeed`): speakers
and sessions, the published release (only when the sessions changed), and
the sign-ups, each idempotent.
"""

from conference.portal.demo import data
from conference.portal.demo.data_ja import bilingual
from conference.portal.demo.rows import (
    by_english_or_create,
    english,
    has_japanese,
    local_time,
    texts_set,
)
from sessions_app.models import (
    ScheduleRelease,
    Session,
    SessionSignup,
    SessionSpeaker,
    Speaker,
)
from sessions_app.services import schedule_publish


class AgendaPhases:
    """The agenda phases of `DemoSeed` (uses its `line` and `stdout`)."""

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
