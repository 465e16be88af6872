"""
The refusals of the B2B meetings app: each a `DomainError` with a message
for the person who asked (views show it through `shown_to_user`).
"""

from django.utils.translation import gettext as _

from conference.core.errors import DomainError


class B2BError(DomainError):
    """A B2B action that cannot be done; the message is for the user."""


class BookingError(B2BError):
    """A booking that cannot be made; the message is for the user."""


class AlreadyMeeting(BookingError):
    """The two people of a request already sit together in an active meeting."""

    def __init__(self, message, *, meeting_id):
        super().__init__(message)
        self.meeting_id = meeting_id


class MeetingChanged(B2BError):
    """
    The meeting was moved (or removed) by someone else after the person
    asking saw it; views answer 409 with the message.
    """


def just_taken():
    return _("That slot was just taken. Please choose another.")


def meeting_just_changed():
    return _("This meeting just changed. Reload the page and try again.")


class SchedulerError(B2BError):
    """A scheduler action that cannot be done; the message is for the organiser."""


class SchedulePreviewStale(SchedulerError):
    """The preview no longer fits the database; nothing was written."""
