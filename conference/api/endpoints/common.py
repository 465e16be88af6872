"""
What the endpoints share: the problem document's schema (so the OpenAPI
schema names every error an operation may answer), the list envelope and
the fast answer of the busiest lists, and the frame every write through a
token runs in.
"""

import json
from contextlib import contextmanager
from typing import Literal

from django.db import OperationalError
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import create_model

from conference.api.errors import Problem, conflict
from conference.core.errors import DomainError
from conference.core.services import audit_via

# PostgreSQL's codes for losing a race on a lock: deadlock detected, lock not
# available (NOWAIT, lock_timeout), serialization failure.
CONTENTION_CODES = {"40P01", "55P03", "40001"}


class FieldErrorOut(Schema):
    field: str
    message: str


class ProblemOut(Schema):
    """An RFC 9457 problem document (served as application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldErrorOut] | None = None


def one_of(choices):
    """
    The values of `choices` (TextChoices) as a Literal type. As an enum,
    pydantic would name its schema after the class, and Registration,
    Invitation and Meeting each have a `Status`: the OpenAPI schema would
    keep only one of them.
    """
    return Literal[tuple(choices.values)]


def answers(ok, *errors, status=200):
    """
    `response=` of an operation: `ok` for `status`, and problem documents for
    what every operation may answer (401, 403, 422, 429) and `errors`.
    """
    responses = {status: ok}
    for code in (401, 403, 422, 429, *errors):
        responses[code] = ProblemOut
    return responses


def page_response(request, page, row=None, *, encoded=None):
    """
    `page` answered as it is, for the busiest lists: rows made by `row(obj)`
    (or already dicts) shaped like the operation's schema, or already
    encoded as JSON text by `encoded(obj)`. Validating each row again
    through pydantic cost more than the rest of the request; the schema
    still documents the rows, and tests/api/test_openapi.py checks real
    answers against it.
    """
    from conference.api.api import RawJSON, api

    if encoded is not None:
        rows = ", ".join(encoded(obj) for obj in page["results"])
        body = f'{{"results": [{rows}], "next": {json.dumps(page["next"])}}}'
        return api.create_response(request, RawJSON(body), status=200)
    results = page["results"] if row is None else [row(obj) for obj in page["results"]]
    return api.create_response(request, {"results": results, "next": page["next"]}, status=200)


def page_of(item):
    """The envelope of a list of `item`: {"results": [...], "next": url or null}."""
    return create_model(
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        results=(list[item], ...),
        next=(str | None, Field(..., description="The following page (null: this is the last).")),
    )


class OrganisationRefOut(Schema):
    id: int
    name: str
    kind: str


def organisation_ref(obj):
    """The organisation of `obj` (a registration, an invitation; selected with it), or None."""
    organisation = obj.organisation
    if organisation is None:
        return None
    return {"id": organisation.pk, "name": organisation.name, "kind": organisation.kind}


def token_actor(request):
    """The staff member a token acts for (writes are theirs, via the token)."""
    return request.auth.token.created_by


@contextmanager
def token_write(request, *, refusal=conflict):
    """
    The frame of a write through a token: every audit entry written inside is
    named by the token (AuditLog.via); a refusal of the domain (DomainError)
    becomes `refusal(message)`, and losing a race for a lock a 409 to try
    again, never a 500.
    """
    with audit_via(request.auth.token.audit_label):
        try:
            yield
        except DomainError as exc:
            raise refusal(exc.message) from exc
        except OperationalError as exc:
            if getattr(exc.__cause__, "pgcode", None) not in CONTENTION_CODES:
                raise
            raise Problem(
                409,
                "try-again",
                _("Try again"),
                _("Someone else changed this at the same moment. Please try again."),
                headers={"Retry-After": "1"},
            ) from exc
