"""The API's resources, one module per area; each offers a ninja Router."""

from conference.api.endpoints import conference

ROUTERS = [conference.router]
