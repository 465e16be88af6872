"""The API's resources, one module per area; each offers a ninja Router."""

from conference.api.endpoints import (
    agenda,
    checkins,
    conference,
    invitations,
    meetings,
    people,
    webhooks,
)

ROUTERS = [
    conference.router,
    agenda.router,
    people.router,
    invitations.router,
    meetings.router,
    checkins.router,
    webhooks.router,
]
