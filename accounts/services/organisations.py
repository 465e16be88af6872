"""
The organisations invitations and registrations name: found by name as the
database compares names, or created (confirmed when staff upload them,
unconfirmed when a delegate proposes one).
"""

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from conference.core.models import Organisation


def _organisation_named(name):
    """The organisation called `name`, compared as `organisation_name_unique_ci` compares."""
    return (
        Organisation.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name=Lower(Value(name)))
        .first()
    )


def _organisation_from(*, organisation, new_organisation):
    """
    The chosen organisation, or the proposed one: an existing organisation of
    that name (case-insensitive), else a new unconfirmed one for staff to confirm.
    """
    if organisation is not None or not new_organisation:
        return organisation
    name = new_organisation["name"].strip()
    existing = _organisation_named(name)
    if existing is not None:
        return existing
    with transaction.atomic():
        try:
            return Organisation.objects.create(
                name=name,
                kind=new_organisation["kind"],
                country=new_organisation.get("country", ""),
                confirmed=False,
            )
        except IntegrityError:
            pass
    return _organisation_named(name)
