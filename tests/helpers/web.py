"""Clients, event URLs, and what a response served (bytes, CSV, XLSX, PDF text)."""

import csv
import io

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
