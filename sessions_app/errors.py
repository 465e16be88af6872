"""Refusals of the agenda's services, with a message for the person who asked."""

from conference.core.errors import DomainError


class AgendaError(DomainError):
    """A change that cannot be made; the message is for the user."""


class SignupError(AgendaError):
    pass


class CapacityError(AgendaError):
    """A capacity below the confirmed sign-ups; the message is for the form's field."""
