"""
The lock of a whole conference, which accounts writes take first when they
decide for the conference (its capacity, the addresses already invited).

Locks, always in this order so that two writers never wait on each other:
the conference row (serialises capacity decisions and imports of one
conference), then invitation or registration rows.
"""

from conference.core.models import Conference


def _lock_conference(conference):
    # NO KEY UPDATE: it serialises the conference's lockers without blocking
    # the key-share checks of every row written that refers to the conference
    # (audit entries, emails), which would deadlock with row locks held there.
    return Conference.objects.select_for_update(no_key=True).get(pk=conference.pk)
