"""
The extension point of the delegate's data download (register/my-data.json).

The accounts app writes what it holds itself (account, invitations,
registration, emails). What the apps above it hold about the person
(session sign-ups, meeting requests, meetings) they add as sections, by
connecting a receiver to `personal_data_sections` in their
`personal_data.py`, imported by their AppConfig.ready(), as pretix's plugins
connect to `register_data_exporters`. Accounts never imports them.

A receiver is called as

    receiver(sender=Registration, user=..., conference=..., registration=...)

where `registration` is the person's registration at the conference, or
None, and returns one section: `(key, data)` with JSON-ready data. A section
with nothing to show keeps its key with an empty list, so the download has
the same shape for everyone. Sections appear in the order their receivers
were connected, which is the order of INSTALLED_APPS: the layers' order.
"""

from django.dispatch import Signal

from accounts.models import Registration

personal_data_sections = Signal()


def iso(value):
    """A date or time as ISO 8601, or None."""
    return value.isoformat() if value else None


def sections_collect(*, user, conference, registration):
    """
    The sections the apps above accounts hold about `user` at `conference`,
    as {key: data} in the order of their receivers. A receiver that fails
    fails the download: an export that quietly leaves data out would not be
    what the portal holds.
    """
    responses = personal_data_sections.send(
        sender=Registration, user=user, conference=conference, registration=registration
    )
    return dict(section for _receiver, section in responses)
