"""
The B2B rules that both the services (which enforce them) and the selectors
(which show them before anyone acts) need.
"""

from itertools import combinations

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from accounts.models import Registration
from b2b_meetings.models import MeetingSeat, MeetingSlot, Unavailability
from conference.core.models import OrganisationKind
from sessions_app.models import Session, SessionSignup


def kind_pair_allowed(conference, kind_a, kind_b):
    """
    Whether organisations of `kind_a` and `kind_b` may request each other.
    No rules means any pair may; a delegate without an organisation counts
    as "other".
    """
    rules = conference.b2b_kind_rules or []
    if not rules:
        return True
    pair = {kind_a or "other", kind_b or "other"}
    return any(set(rule) == pair for rule in rules)


def kind_rule_choices():
    """Every unordered pair of organisation kinds, as "a:b" values."""
    kinds = list(OrganisationKind)
    pairs = [(k, k) for k in kinds] + list(combinations(kinds, 2))
    return [(f"{a.value}:{b.value}", f"{a.label} ↔ {b.label}") for a, b in pairs]


def is_request_recipient(meeting_request, registration):
    """Whether `registration` may answer `meeting_request` (accept or decline it)."""
    if registration is None or not registration.is_approved:
        return False
    if registration.pk == meeting_request.requester_id:
        return False
    if meeting_request.target_registration_id is not None:
        return meeting_request.target_registration_id == registration.pk
    # Addressed to an organisation: any of its delegates listed in the
    # directory may answer.
    return (
        registration.organisation_id == meeting_request.target_organisation_id
        and registration.directory_consent
        and registration.conference_id == meeting_request.conference_id
    )


def request_participants(meeting_request):
    """
    The registrations meeting for an accepted request: the requester and the
    person asked (or, for a request to an organisation, who accepted it).
    """
    other = meeting_request.target_registration or meeting_request.responded_by
    return [r for r in (meeting_request.requester, other) if r is not None]


def busy_reasons(conference, slot, ids):
    """
    Why the people of `ids` cannot meet in `slot` apart from other meetings:
    marked unavailable, or signed up for a session that overlaps it. Returns
    {registration id: [reason, ...]}.
    """
    reasons = {}
    for reg_id in Unavailability.objects.filter(registration__in=ids, slot=slot).values_list(
        "registration_id", flat=True
    ):
        reasons.setdefault(reg_id, []).append(_("marked this slot unavailable"))
    signups = SessionSignup.objects.filter(
        registration__in=ids,
        status=SessionSignup.Status.CONFIRMED,
        session__conference=conference,
        session__is_cancelled=False,
        session__starts_at__lt=slot.ends_at,
        session__ends_at__gt=slot.starts_at,
    ).values_list("registration_id", "session__title")
    for reg_id, title in signups:
        reasons.setdefault(reg_id, []).append(_("signed up for “%(session)s”") % {"session": title})
    return reasons


def blocking(conference, slot):
    """
    Subqueries, per outer registration, for "marked `slot` unavailable" and
    "signed up for a session overlapping it": to annotate or filter with.
    """
    unavailable = Exists(Unavailability.objects.filter(registration=OuterRef("pk"), slot=slot))
    in_session = Exists(
        SessionSignup.objects.filter(
            registration=OuterRef("pk"),
            status=SessionSignup.Status.CONFIRMED,
            session__conference=conference,
            session__is_cancelled=False,
            session__starts_at__lt=slot.ends_at,
            session__ends_at__gt=slot.starts_at,
        )
    )
    return unavailable, in_session


def is_blocked(conference, slot, ids):
    """Whether any of `ids` cannot meet in `slot` (`busy_reasons` as one yes/no query)."""
    unavailable, in_session = blocking(conference, slot)
    return Registration.objects.filter(pk__in=ids).filter(unavailable | in_session).exists()


# Table names come from the models and every value is a parameter.
_PEOPLE_IN_SLOT_SQL = f"""
SELECT r.id,
    (SELECT COUNT(*) FROM {MeetingSeat._meta.db_table} s
        WHERE s.registration_id = r.id AND s.is_active) AS total,
    EXISTS (SELECT 1 FROM {MeetingSeat._meta.db_table} s
        WHERE s.registration_id = r.id AND s.is_active AND s.slot_id = sl.id) AS here,
    EXISTS (SELECT 1 FROM {Unavailability._meta.db_table} u
        WHERE u.registration_id = r.id AND u.slot_id = sl.id) AS unavailable,
    EXISTS (SELECT 1 FROM {SessionSignup._meta.db_table} su
        JOIN {Session._meta.db_table} se ON se.id = su.session_id
        WHERE su.registration_id = r.id AND su.status = %s
            AND se.conference_id = sl.conference_id AND NOT se.is_cancelled
            AND se.starts_at < sl.ends_at AND se.ends_at > sl.starts_at) AS in_session
FROM {Registration._meta.db_table} r CROSS JOIN {MeetingSlot._meta.db_table} sl
WHERE sl.id = %s AND r.id IN ({{people}})
"""  # noqa: S608


def people_in_slot(slot, ids):
    """
    Per registration of `ids`: {id: {"total": its active meetings, "here":
    whether it sits in one in `slot`, "unavailable", "in_session": whether
    `blocking` holds}}.

    The rules of `blocking`, written out as one plain statement because it
    runs under the row locks of every booking: compiling the equivalent ORM
    query took about 5 ms of CPU, the query itself a tenth of that. Kept in
    step with `blocking` by tests/b2b_meetings/test_booking.py.
    """
    ids = list(ids)
    sql = _PEOPLE_IN_SLOT_SQL.format(people=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [SessionSignup.Status.CONFIRMED.value, slot.pk, *ids])
        rows = cursor.fetchall()
    return {
        reg_id: {
            "total": total,
            "here": bool(here),
            "unavailable": bool(unavailable),
            "in_session": bool(in_session),
        }
        for reg_id, total, here, unavailable, in_session in rows
    }
