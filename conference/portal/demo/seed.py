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

The base phases (conference, organisations, people, questions, email
wordings) are here; the agenda phases in `seed_agenda`, the matchmaking and
B2B phases in `seed_b2b`, mixed into `DemoSeed`; how rows are found and
made in `rows`.
"""

import datetime as dt
import zoneinfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
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
from conference.core import email_templates
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
from conference.portal.demo.rows import (
    BATCH_SIZE,
    CONFERENCE_TEXTS,
    by_english_or_create,
    local_time,
    login_email,
    texts_set,
)
from conference.portal.demo.seed_agenda import AgendaPhases
from conference.portal.demo.seed_b2b import B2BPhases

__all__ = ["BATCH_SIZE", "DemoSeed", "local_time", "login_email"]

VISA_QUESTION = {
    "kind": RegistrationQuestion.Kind.YES_NO,
    "label_en": "Do you need a visa support letter?",
    "label_ja": "ビザサポートレターが必要ですか？",
    "help_en": "The embassy sends it to you by email.",
    "help_ja": "大使館からメールでお送りします。",
    "required": True,
}


class DemoSeed(AgendaPhases, B2BPhases):
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
