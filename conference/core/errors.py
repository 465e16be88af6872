"""
The one base class of errors a person can act on, and the one way views show them.

A service raises a `DomainError` subclass with a message written for the
person (already translated): "That slot was just taken", "The invitation has
expired". Views do not catch each subclass and copy the message by hand:

    with shown_to_user(request) as outcome:
        services.invitation_resend(invitation=invitation, actor=request.user)
    if outcome.ok:
        messages.success(request, ...)
    return redirect(...)
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages


class DomainError(Exception):
    """A refusal with a message for the person who asked: shown as it is, never a 500."""

    @property
    def message(self):
        return str(self)


@dataclass
class Outcome:
    error: DomainError | None = None

    @property
    def ok(self):
        return self.error is None


@contextmanager
def shown_to_user(request):
    """Run the block; a DomainError raised in it becomes an error message on the next page."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        outcome.error = exc
        messages.error(request, exc.message)
