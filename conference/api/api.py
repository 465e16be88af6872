"""
The API of the portal, version 1: one NinjaAPI, mounted at /api/v1/.

django-ninja builds the OpenAPI 3 schema from the endpoints' type hints and
pydantic schemas and serves its Swagger UI from its own static files (no
CDN). Every GET answer carries an ETag, and a matching If-None-Match gets a
304 with no body. Errors are problem details (conference/api/errors.py).
"""

import hashlib
from datetime import datetime

from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers, quote_etag
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

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


class PortalJSONEncoder(NinjaJSONEncoder):
    def default(self, o):
        # Django's encoder cuts times to milliseconds: a client that asks with
        # the `updated_since` it was given would get the same rows again.
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


class RawJSON:
    """A body already encoded as JSON (rows encoded once, not on every request)."""

    def __init__(self, text):
        self.text = text


class PortalRenderer(JSONRenderer):
    encoder_class = PortalJSONEncoder

    def render(self, request, data, *, response_status):
        if isinstance(data, RawJSON):
            return data.text
        return super().render(request, data, response_status=response_status)


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema, with error answers under the media type they are sent as."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return schema

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        # What a token reads is its own (personal data, ID documents): no
        # shared cache, and a browser asks again each time (If-None-Match).
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Authorization"])
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            etag = quote_etag(hashlib.blake2b(response.content, digest_size=16).hexdigest())
            response.headers["ETag"] = etag
            wanted = request.headers.get("If-None-Match", "")
            # If-None-Match compares weakly (RFC 9110 §13.1.2): a proxy may add "W/".
            tags = (tag.strip().removeprefix("W/") for tag in wanted.split(","))
            if etag in tags or wanted.strip() == "*":
                not_modified = HttpResponseNotModified()
                for header in ("ETag", "Cache-Control", "Vary"):
                    not_modified.headers[header] = response.headers[header]
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
    renderer=PortalRenderer(),
)
errors.install(api)


@api.get("/", auth=None, summary="The API's entry point", tags=["meta"], operation_id="root")
def root(request):
    """Where things are: the schema, the docs, and the pattern of conference URLs."""
    base = request.build_absolute_uri(request.path)
    return {
        "version": api.version,
        "openapi": base + "openapi.json",
        "docs": base + "docs",
        "events": base + "events/{slug}/",
        "authentication": "Authorization: Bearer <token>",
    }


def _register():
    from conference.api.endpoints import ROUTERS

    for router in ROUTERS:
        api.add_router("", router)


_register()
