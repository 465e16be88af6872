"""
The organisers' B2B setup: settings, slots cut from the agenda's B2B
blocks, and tables.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from b2b_meetings.errors import B2BError
from b2b_meetings.models import Meeting, MeetingSlot, Table
from conference.core.models import Conference
from conference.core.services import audit_message, audit_record
from sessions_app.models import Session

B2B_SETTINGS_FIELDS = [
    "b2b_slot_minutes",
    "b2b_request_expiry_hours",
    "b2b_max_meetings_per_delegate",
    "b2b_max_meetings_per_organisation",
    "b2b_max_pending_requests",
    "b2b_reminder_minutes",
    "b2b_kind_rules",
]


def b2b_settings_update(*, conference, actor, **values):
    """Save the B2B settings of `conference` (fields in B2B_SETTINGS_FIELDS)."""
    unknown = set(values) - set(B2B_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not B2B settings: {sorted(unknown)}")
    with transaction.atomic():
        changed = {k: v for k, v in values.items() if getattr(conference, k) != v}
        for key, value in values.items():
            setattr(conference, key, value)
        conference.save(update_fields=list(values))
        if changed:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.settings",
                obj=conference,
                summary=audit_message(
                    gettext_noop("B2B settings changed: %(fields)s"),
                    fields=", ".join(sorted(changed)),
                ),
                data=changed,
            )
    return conference


def slots_generate(*, conference, actor):
    """
    Cut every B2B block of the agenda into slots of the conference's slot
    length. Times already covered by a slot are skipped, so running it again
    only fills gaps (e.g. a new block). Returns the number of new slots.
    """
    length = datetime.timedelta(minutes=conference.b2b_slot_minutes)
    with transaction.atomic():
        Conference.objects.select_for_update(no_key=True).filter(pk=conference.pk).first()
        blocks = Session.objects.filter(
            conference=conference, kind=Session.Kind.B2B_BLOCK, is_cancelled=False
        ).order_by("starts_at")
        existing = list(
            MeetingSlot.objects.filter(conference=conference).values_list("starts_at", "ends_at")
        )
        new = []
        for block in blocks:
            start = block.starts_at
            while start + length <= block.ends_at:
                end = start + length
                if not any(s < end and e > start for s, e in existing):
                    new.append(
                        MeetingSlot(
                            conference=conference, block=block, starts_at=start, ends_at=end
                        )
                    )
                    existing.append((start, end))
                start = end
        MeetingSlot.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.slots",
                obj=conference,
                summary=audit_message(gettext_noop("%(count)s B2B slots created"), count=len(new)),
            )
    return len(new)


def slots_delete_unused(*, conference, actor):
    """Delete the slots that have never held a meeting (cancelled ones count)."""
    with transaction.atomic():
        unused = MeetingSlot.objects.filter(conference=conference).exclude(
            pk__in=Meeting.objects.filter(conference=conference).values("slot")
        )
        count = unused.count()
        unused.delete()
        if count:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.slots",
                obj=conference,
                summary=audit_message(
                    gettext_noop("%(count)s unused B2B slots deleted"), count=count
                ),
            )
    return count


def tables_create(*, conference, room, labels, seats=4, actor):
    """
    Add tables with `labels` in `room`; labels already used in the conference
    are skipped. Returns (created, skipped labels).
    """
    if room.conference_id != conference.pk:
        raise B2BError(_("That room belongs to another conference."))
    labels = [label.strip() for label in labels if label.strip()]
    with transaction.atomic():
        Conference.objects.select_for_update(no_key=True).filter(pk=conference.pk).first()
        taken = set(
            Table.objects.filter(conference=conference, label__in=labels).values_list(
                "label", flat=True
            )
        )
        fresh = list(dict.fromkeys(label for label in labels if label not in taken))
        Table.objects.bulk_create(
            Table(conference=conference, room=room, label=label, seats=seats) for label in fresh
        )
        if fresh:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.tables",
                obj=room,
                summary=audit_message(
                    gettext_noop("%(count)s tables added in %(room)s"),
                    count=len(fresh),
                    room=room.name,
                ),
            )
    return len(fresh), sorted(taken)


def table_set_active(*, table, is_active, actor):
    """
    Take a table out of use (it gets no new meetings; booked ones stay and
    organisers move them) or back into use.
    """
    with transaction.atomic():
        Table.objects.filter(pk=table.pk).update(is_active=is_active, updated_at=timezone.now())
        table.is_active = is_active
        audit_record(
            actor=actor,
            conference=table.conference,
            action="b2b.table",
            obj=table,
            summary=audit_message(
                gettext_noop("Table %(label)s in use")
                if is_active
                else gettext_noop("Table %(label)s out of use"),
                label=table.label,
            ),
        )
    return table
