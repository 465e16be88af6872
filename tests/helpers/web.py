"""
Clients, event URLs, and what a response served (bytes, CSV, XLSX, PDF text,
a secret shown once in a copy field).
"""

import csv
import io
import re

from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader


def login(user):
    """A test client logged in as `user` (anonymous for None); exceptions in views propagate."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def url(conference, path=""):
    """The path of a page of the conference: url(conference, "agenda/")."""
    return f"/events/{conference.slug}/{path}"


def body(response):
    """The bytes of a response, streamed or not (a stream is read once, then kept)."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body


def read_csv(response):
    text = body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(response):
    return load_workbook(io.BytesIO(body(response)))


def pdf_pages(response):
    """The text of each page of a PDF response."""
    reader = PdfReader(io.BytesIO(body(response)))
    return [page.extract_text() for page in reader.pages]


# A secret in a page's copy field: an API token, a webhook endpoint's signing secret.
TOKEN_FIELD = re.compile(r'value="(cp_[A-Za-z0-9_-]{43})"')
WEBHOOK_SECRET_FIELD = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


def shown_secret(response, pattern=TOKEN_FIELD):
    """The secrets in the page's copy fields."""
    return pattern.findall(response.content.decode())
