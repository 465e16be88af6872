"""
The API of the portal, version 1: one NinjaAPI, mounted at /api/v1/.

django-ninja builds the OpenAPI 3 schema from the endpoints' type hints and
pydantic schemas and serves its Swagger UI from its own static files (no
CDN). Every GET answer carries an ETag, and a matching If-None-Match gets a
304 with no body. Errors are problem details (conference/api/errors.py).
"""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.cache import quote_etag
from ninja import NinjaAPI

from conference.api import errors
from conference.api.auth import TokenAuth

DESCRIPTION = """
The conference portal's REST API. Every conference resource lives under
`/api/v1/events/<slug>/`. Authenticate with `Authorization: Bearer <token>`;
organisers create tokens, each with scopes, on the conference's
*Manage → API and webhooks* page. Lists are cursor-paginated (`next`), accept
`updated_since` and `limit`, and answer `If-None-Match` with 304. Errors are
RFC 9457 problem details.
"""


class PortalApi(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            etag = quote_etag(hashlib.blake2b(response.content, digest_size=16).hexdigest())
            response.headers["ETag"] = etag
            wanted = request.headers.get("If-None-Match", "")
            if etag in (tag.strip() for tag in wanted.split(",")) or wanted.strip() == "*":
                not_modified = HttpResponseNotModified()
                not_modified.headers["ETag"] = etag
                return not_modified
        return response


api = PortalApi(
    title="Conference portal API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)


def _register():
    from conference.api.endpoints import ROUTERS

    for router in ROUTERS:
        api.add_router("", router)


_register()
