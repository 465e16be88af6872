"""
ID document data retention: the document fields of a conference's
registrations are erased `id_retention_days` after its last day.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Registration
from conference.core.models import Conference
from conference.core.services import audit_message, audit_record

# Audit action of the purge, read back by the gate-list page.
ID_DATA_ERASED = "gatelist.id_data_erased"


def id_retention_deadline(conference):
    """When ID document data must be gone: `id_retention_days` after the conference's last day."""
    day_after = conference.end_date + datetime.timedelta(days=1)
    end = datetime.datetime.combine(day_after, datetime.time.min, tzinfo=conference.tz)
    return end + datetime.timedelta(days=conference.id_retention_days)


def id_data_expired(conference, *, now=None):
    return (now or timezone.now()) >= id_retention_deadline(conference)


def id_data_purge(*, now=None):
    """
    Erase the ID document fields (type, number, expiry) of every registration
    of each conference whose retention period is over, and mark them erased.
    One transaction and one audit entry (with the count) per conference.
    Idempotent: erased registrations are not touched again, so a conference
    whose data is gone costs the sweep nothing. Returns the number erased.
    """
    now = now or timezone.now()
    # Only conferences that ended before today (UTC) can be due; the exact
    # deadline is in each conference's own zone.
    candidates = Conference.objects.filter(
        end_date__lt=now.date(),
        registrations__id_data_erased_at__isnull=True,
    ).distinct()
    erased = 0
    for conference in candidates:
        if not id_data_expired(conference, now=now):
            continue
        with transaction.atomic():
            count = Registration.objects.filter(
                conference=conference, id_data_erased_at__isnull=True
            ).update(
                id_document_type="",
                id_document_number="",
                id_document_expiry=None,
                id_data_erased_at=now,
                updated_at=now,
            )
            audit_record(
                actor=None,
                conference=conference,
                action=ID_DATA_ERASED,
                summary=audit_message(
                    gettext_noop("ID document data erased for %(count)s registrations"), count=count
                ),
                data={"rows": count, "deadline": id_retention_deadline(conference).isoformat()},
            )
        erased += count
    return erased
