"""
The strict Content-Security-Policy holds on every page: the header allows
no inline script or style, and no page relies on one. Every GET URL of the
project is rendered for each persona (the permission walk's world) and its
HTML scanned for inline scripts, <style> blocks, style= attributes, on*
handlers, javascript: links and htmx's eval-based attributes; the template
sources are scanned too, so a branch no page reached is still covered.
"""

import copy
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

# The `world` fixture (tests/conftest.py) builds the permission walk's world.
from tests.helpers.permission_walk import PERSONAS, all_patterns, row_for, url_for

EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP blocks: inline code and inline styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.htmx_config = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)[:120]}>"
        executable = (attributes.get("type") or "") in EXECUTABLE_SCRIPT_TYPES
        if tag == "script" and executable and not attributes.get("src"):
            self.problems.append(f"inline script {where}")
        if tag == "style":
            self.problems.append(f"<style> block {where}")
        if tag == "meta" and attributes.get("name") == "htmx-config":
            self.htmx_config = attributes.get("content")
        for name, value in attrs:
            value = value or ""
            if name == "style":
                self.problems.append(f"style attribute {where}")
            elif name.startswith("on"):
                self.problems.append(f"event handler attribute {name} {where}")
            elif name.startswith(("hx-on", "data-hx-on")) or name in ("hx-vars", "data-hx-vars"):
                self.problems.append(f"htmx attribute evaluated as code {name} {where}")
            elif name in ("hx-vals", "data-hx-vals") and value.strip().startswith(
                ("js:", "javascript:")
            ):
                self.problems.append(f"hx-vals evaluated as code {where}")
            elif name in (
                "href",
                "src",
                "action",
                "formaction",
            ) and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL {where}")


def inline_code(html):
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder


def policy_of(response):
    header = response["Content-Security-Policy"]
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


# The scanner itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<div style="color:red">x</div>',
        "<style>p{}</style>",
        '<button onclick="go()">x</button>',
        '<a href=" JavaScript:go()">x</a>',
        '<form hx-on::after-request="go()"></form>',
        """<div hx-vals='js:{a: go()}'></div>""",
    ],
)
def test_the_scanner_finds_each_kind_of_inline_code(html):
    assert inline_code(html).problems


def test_the_scanner_lets_external_scripts_and_data_through():
    html = (
        '<script src="/static/js/portal.js" defer></script>'
        '<script type="application/json" id="x">{"a": 1}</script>'
        '<div data-confirm="Sure?" hx-vals=\'{"a": 1}\' class="list-unstyled">x</div>'
    )
    assert inline_code(html).problems == []


# The policy ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_policy_allows_no_inline_script_or_style_and_no_other_origin(client):
    response = client.get(reverse("account_login"))

    policy = policy_of(response)
    for directive in ("script-src", "style-src"):
        assert policy[directive] == ["'self'"], policy
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "script-src-attr" not in policy and "style-src-attr" not in policy
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert all("*" not in value and "http" not in value for v in policy.values() for value in v)


# Every page, as every persona -----------------------------------------------------------


# The organisers' preview of an email's HTML body: the email as sent, with its
# inline styles, served under its own sandboxed policy (conference/portal/views/outbox.py).
SANDBOXED = {"conference:outbox_body"}


def assert_sandboxed_policy(response):
    policy = policy_of(response)
    assert "sandbox" in policy
    assert policy["default-src"] == ["'none'"]
    assert "script-src" not in policy
    assert policy["frame-ancestors"] == ["'self'"]
    assert not [p for p in inline_code(response.content.decode()).problems if "script" in p]


def _is_page(response):
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def _html_pages(walk):
    """
    (persona, url key, url, response, hx) for each GET that answers a page of
    HTML, asked for as a full page and then as htmx asks (views may answer a
    fragment then).
    """
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        if walk.personas[persona] is not None:
            clients[persona].force_login(walk.personas[persona])
    cookies = {persona: copy.deepcopy(c.cookies) for persona, c in clients.items()}
    for pattern in all_patterns():
        row = row_for(pattern)
        if row is None or row.method != "get":
            continue
        url = url_for(pattern, walk)
        for persona in PERSONAS:
            client = clients[persona]
            for hx in (False, True):
                client.cookies = copy.deepcopy(cookies[persona])
                with transaction.atomic():
                    response = client.get(url, **({"HTTP_HX_REQUEST": "true"} if hx else {}))
                    transaction.set_rollback(True)
                if not _is_page(response):
                    break
                yield persona, pattern.key, url, response, hx


@pytest.mark.django_db
def test_no_page_has_inline_script_or_style_for_any_persona(request, caplog):
    walk = request.getfixturevalue("world")
    caplog.set_level(logging.ERROR, logger="django.request")
    problems, pages, fragments, personas_seen = [], 0, 0, set()
    for persona, key, url, response, hx in _html_pages(walk):
        pages += not hx
        fragments += hx
        personas_seen.add(persona)
        if key in SANDBOXED:
            assert_sandboxed_policy(response)
            continue
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
        finder = inline_code(response.content.decode())
        problems += [f"{url} as {persona} (htmx: {hx}): {problem}" for problem in finder.problems]
        if not hx and "vendor/htmx/htmx" in response.content.decode():
            # htmx writes a <style> for its indicators unless told not to.
            assert finder.htmx_config is not None, f"{url} as {persona}: no htmx-config"
            assert '"includeIndicatorStyles": false' in finder.htmx_config, url

    assert pages > 60 and fragments > 60 and personas_seen == set(PERSONAS)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_sign_up_and_password_pages_have_no_inline_code(client):
    from tests.factories import InvitationFactory

    invitation = InvitationFactory()
    pages = [client.get(reverse("invitation", args=[invitation.token]))]
    pages.append(client.get(reverse("account_signup")))
    pages.append(client.post(reverse("account_signup"), {"password1": "x"}))
    pages.append(client.post(reverse("account_login"), {"login": "nobody@example.org"}))
    pages.append(client.get(reverse("account_reset_password")))

    assert [page.status_code for page in pages] == [200] * 5
    assert 'name="given_name"' in pages[1].content.decode()
    for page in pages:
        assert inline_code(page.content.decode()).problems == []


# The template sources -------------------------------------------------------------------

# Emails are not served by the portal (no CSP applies) and need inline styles
# for mail clients.
PAGE_TEMPLATES = [p for p in TEMPLATES_DIR.rglob("*.html") if "emails" not in p.parts]
TEMPLATE_PATTERNS = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on": re.compile(r"\s(data-)?hx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_the_page_templates_hold_no_inline_code():
    assert len(PAGE_TEMPLATES) > 50
    problems = [
        f"{path.relative_to(TEMPLATES_DIR)}: {what}"
        for path in PAGE_TEMPLATES
        for what, pattern in TEMPLATE_PATTERNS.items()
        if pattern.search(path.read_text())
    ]
    assert not problems, "\n".join(problems)


def test_the_portal_scripts_do_not_evaluate_strings_as_code():
    scripts = list((Path(settings.BASE_DIR) / "static" / "js").glob("*.js"))
    assert scripts
    forbidden = re.compile(
        r"\beval\(|new Function\(|setTimeout\(\s*[\"'`]|setAttribute\(\s*[\"']style"
    )
    problems = [str(path.name) for path in scripts if forbidden.search(path.read_text())]
    assert not problems
