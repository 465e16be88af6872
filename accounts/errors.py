"""
The refusals of the accounts app: each a `DomainError` with a message for
the person who asked (views show it through `shown_to_user`).
"""

from conference.core.errors import DomainError


class InvitationError(DomainError):
    """A refused invitation action; the message is for the organiser or invitee."""


class RegistrationError(DomainError):
    """A refused registration action; the message is for the person who tried it."""


class QuestionError(DomainError):
    """A refused change to a registration question; the message is for the organiser."""
