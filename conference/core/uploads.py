"""
File uploads are refused while they stream, not after they are stored.

Django keeps an upload in memory or writes it to a temporary file in full
before any form can look at its size. `LimitedUploadHandler` comes first in
FILE_UPLOAD_HANDLERS and stops an upload as soon as it is known to be over the
limit of the view it is posted to: when the request declares a larger body,
or when the bytes received pass the limit. The handlers after it (memory,
temporary file) then never see the file, so nothing is written to disk.

A view accepts files only if it says how large with `@upload_limit(bytes)`;
to any other view a file is over the limit at its first byte. The view learns
of a refusal from `upload_refused(request)` and tells the person why.
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.urls import Resolver404, resolve

# What the rest of a multipart body may take besides the files: the other
# fields (the CSRF token, a checkbox) and the part headers and boundaries.
FORM_ALLOWANCE = 64 * 1024


def upload_limit(max_bytes):
    """View decorator: the view accepts files of `max_bytes` in all, at most."""

    def decorator(view):
        view.upload_max_bytes = max_bytes
        return view

    return decorator


def upload_refused(request):
    """True if LimitedUploadHandler stopped a file of this request for its size."""
    request.FILES  # noqa: B018 (parses the body: the handler records its refusal then)
    return getattr(request, "upload_refused", False)


def _view_limit(request):
    match = request.resolver_match
    if match is None:  # parsed by a middleware, before the URL was resolved
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return 0
    return getattr(match.func, "upload_max_bytes", 0)


class LimitedUploadHandler(FileUploadHandler):
    """
    Stops an upload over its view's limit before it is stored anywhere.

    The refusal raises StopUpload after the fields in front of the file (the
    CSRF token among them) are parsed, so the view still answers with its
    page and the reason. The rest of the body is read and dropped, so that
    the browser sees that page rather than a reset connection.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.max_bytes = _view_limit(self.request)
        self.declared = content_length
        self.received = 0

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if self.declared > self.max_bytes + FORM_ALLOWANCE:
            self._refuse()
        if self.content_length is not None and self.content_length > self.max_bytes:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one store the file

    def _refuse(self):
        self.request.upload_refused = True
        raise StopUpload(connection_reset=False)
