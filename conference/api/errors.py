"""
Errors as RFC 9457 problem details (`application/problem+json`): a `type`
URI naming the kind of problem, a `title`, the HTTP `status` and a `detail`
for this occurrence; validation problems add `errors`, one per field.
"""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

PROBLEM_BASE = "https://conference-portal.example/problems/"


class Problem(Exception):
    """Raise from an endpoint to answer with a problem document."""

    def __init__(self, status, kind, title, detail="", *, headers=None, **extra):
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(request, status, kind, title, detail="", *, headers=None, **extra):
    body = {"type": PROBLEM_BASE + kind, "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    body["instance"] = request.path
    body.update(extra)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/problem+json",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def not_found(detail=""):
    return Problem(404, "not-found", _("Not found"), detail)


def forbidden(detail):
    return Problem(403, "forbidden", _("Forbidden"), detail)


def conflict(detail):
    return Problem(409, "conflict", _("Conflict"), detail)


def invalid(detail, **extra):
    return Problem(422, "validation", _("Invalid request"), detail, **extra)


def install(api):
    """Answer every error of `api` with a problem document."""

    @api.exception_handler(Problem)
    def _problem(request, exc):
        return problem_response(
            request, exc.status, exc.kind, exc.title, exc.detail, headers=exc.headers, **exc.extra
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return problem_response(
            request,
            401,
            "unauthenticated",
            _("Authentication required"),
            _("Send a valid, unexpired API token as “Authorization: Bearer <token>”."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )

    @api.exception_handler(ValidationError)
    def _validation(request, exc):
        errors = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ()) if part != "body"),
                "message": error.get("msg", ""),
            }
            for error in exc.errors
        ]
        return problem_response(
            request,
            422,
            "validation",
            _("Invalid request"),
            _("Some fields are missing or invalid; nothing was changed."),
            errors=errors,
        )

    @api.exception_handler(HttpError)
    def _http_error(request, exc):
        return problem_response(request, exc.status_code, "http", str(exc), "")
