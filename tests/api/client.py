"""
Calling the API in tests as a client system would: a token made for the
scopes under test (its creator holds just the roles they need), and a client
that sends it as a bearer token and reads JSON back.

    api = ApiClient.for_scopes(conference, Scope.AGENDA_READ)
    page = api.get_json("sessions/")
"""

import json

from django.test import Client

from conference.api.scopes import GRANTED_BY, Scope
from conference.api.tokens import token_create
from conference.core.models import ConferenceRole, Role
from tests.factories import ConferenceRoleFactory, UserFactory


def roles_for(scopes):
    """The roles a creator needs for `scopes`: the organiser's where it may grant one."""
    roles = set()
    for scope in scopes:
        granting = GRANTED_BY[Scope(scope)]
        roles.add(Role.ORGANISER if Role.ORGANISER in granting else next(iter(granting)))
    return roles


def token_with(conference, *scopes, user=None, name="Visitor system", expires_at=None):
    """
    A new token of `conference` with `scopes`: (token, secret). Its creator is
    `user` (with the roles they hold), or a new staff member with the roles
    the scopes need.
    """
    if user is None:
        roles = roles_for(scopes)
        user = UserFactory()
        for role in roles:
            ConferenceRoleFactory(conference=conference, user=user, role=role)
    else:
        roles = set(
            ConferenceRole.objects.filter(conference=conference, user=user).values_list(
                "role", flat=True
            )
        )
    return token_create(
        conference=conference,
        actor=user,
        roles=roles,
        name=name,
        scopes=list(scopes),
        expires_at=expires_at,
    )


class ApiClient:
    def __init__(self, conference, secret):
        self.conference = conference
        self.secret = secret
        self.client = Client()

    @classmethod
    def for_scopes(cls, conference, *scopes, **kwargs):
        token, secret = token_with(conference, *scopes, **kwargs)
        api = cls(conference, secret)
        api.token = token
        return api

    def url(self, path, slug=None):
        """`path` under the conference's root (an absolute /api/ path is kept)."""
        if path.startswith("/") or path.startswith("http"):
            return path
        return f"/api/v1/events/{slug or self.conference.slug}/{path}"

    def headers(self, extra=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"} if self.secret else {}
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(self.url(path), params or {}, **self.headers(headers))

    def post(self, path, data=None, headers=None):
        return self.send("POST", path, data, headers)

    def send(self, method, path, data=None, headers=None):
        """A request with a JSON body (POST, PATCH, PUT, DELETE)."""
        return getattr(self.client, method.lower())(
            self.url(path),
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            **self.headers(headers),
        )

    def get_json(self, path, params=None, status=200):
        response = self.get(path, params)
        assert response.status_code == status, (response.status_code, response.content[:2000])
        return response.json()

    def post_json(self, path, data=None, status=200):
        response = self.post(path, data)
        assert response.status_code == status, (response.status_code, response.content[:2000])
        return response.json()

    def all_pages(self, path, params=None):
        """Every row of a list, following `next`."""
        rows, page = [], self.get_json(path, params)
        rows.extend(page["results"])
        while page["next"]:
            page = self.get_json(page["next"])
            rows.extend(page["results"])
        return rows
