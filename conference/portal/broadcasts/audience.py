"""
Who a broadcast goes to: `Audience`, the organisers' filters over the
conference's registrations, stored as a dict on the broadcast.

Filters combine with AND; within one filter the values combine with OR
(e.g. status approved or waitlisted). Registration status, organisation
kind and country, check-in and "signed up for a session" are the export
page's filters (conference.portal.exports); the B2B ones (position in the
value chain, topic, has a meeting) and the recipient's language are added
here.
"""

from dataclasses import asdict, dataclass, field, fields

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import Registration
from b2b_meetings.models import DelegateProfile, MeetingSeat, OrganisationTopics, Topic
from conference.core.models import OrganisationKind, ValueChain
from conference.portal.exports import ExportParams
from conference.portal.exports.attendees import registrations_filtered
from sessions_app.models import Session


@dataclass
class Audience:
    status: list = field(default_factory=lambda: [Registration.Status.APPROVED.value])
    kind: list = field(default_factory=list)
    country: list = field(default_factory=list)
    value_chain: list = field(default_factory=list)
    topic: list = field(default_factory=list)  # Topic ids
    session: int | None = None
    meetings: str = ""  # "", "yes" (has a B2B meeting) or "no"
    checked_in: str = ""  # "", "yes" or "no"
    language: list = field(default_factory=list)

    @classmethod
    def from_dict(cls, data):
        """An Audience from a stored dict; unknown keys (from an older version) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in (data or {}).items() if key in known})

    def as_dict(self):
        return asdict(self)


def audience_registrations(*, conference, audience):
    """The registrations of `conference` in `audience`, one per person."""
    registrations = registrations_filtered(
        conference=conference,
        params=ExportParams(
            status=audience.status,
            kind=audience.kind,
            country=audience.country,
            session=audience.session,
            checked_in=audience.checked_in,
        ),
    )
    if audience.value_chain:
        registrations = registrations.filter(organisation__value_chain__in=audience.value_chain)
    if audience.topic:
        # The topic is the person's own (their profile) or their organisation's, offered or sought.
        organisation_topics = OrganisationTopics.objects.filter(
            conference=conference, organisation=OuterRef("organisation")
        ).filter(Q(offered__in=audience.topic) | Q(sought__in=audience.topic))
        own_topics = DelegateProfile.objects.filter(
            registration=OuterRef("pk"), topics__in=audience.topic
        )
        registrations = registrations.filter(Exists(organisation_topics) | Exists(own_topics))
    if audience.meetings:
        seats = MeetingSeat.objects.filter(registration=OuterRef("pk"), is_active=True)
        registrations = registrations.filter(
            Exists(seats) if audience.meetings == "yes" else ~Exists(seats)
        )
    if audience.language:
        q = Q(user__language__in=audience.language)
        if settings.LANGUAGE_CODE in audience.language:
            # No language chosen yet: they get the default language's text.
            q |= Q(user__language="")
        registrations = registrations.filter(q)
    return registrations.filter(user__is_active=True)


def audience_describe(*, conference, audience):
    """The filters in words, for the list of broadcasts and the audit log."""
    parts = []
    if audience.status:
        names = dict(Registration.Status.choices)
        parts.append(_("status: %s") % ", ".join(str(names.get(v, v)) for v in audience.status))
    if audience.kind:
        names = dict(OrganisationKind.choices)
        parts.append(_("kind: %s") % ", ".join(str(names.get(v, v)) for v in audience.kind))
    if audience.country:
        parts.append(_("country: %s") % ", ".join(countries.name(c) for c in audience.country))
    if audience.value_chain:
        names = dict(ValueChain.choices)
        parts.append(
            _("value chain: %s") % ", ".join(str(names.get(v, v)) for v in audience.value_chain)
        )
    if audience.topic:
        topics = Topic.objects.filter(conference=conference, pk__in=audience.topic)
        parts.append(_("topic: %s") % ", ".join(t.label for t in topics))
    if audience.session:
        session = Session.objects.filter(conference=conference, pk=audience.session).first()
        parts.append(_("session: %s") % (session.title if session else audience.session))
    if audience.meetings:
        parts.append(_("has a B2B meeting") if audience.meetings == "yes" else _("no B2B meeting"))
    if audience.checked_in:
        parts.append(_("checked in") if audience.checked_in == "yes" else _("not checked in"))
    if audience.language:
        names = dict(settings.LANGUAGES)
        parts.append(_("language: %s") % ", ".join(str(names.get(v, v)) for v in audience.language))
    return "; ".join(parts) or _("every registration")
