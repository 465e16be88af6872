"""
Organisers' wordings: checked at save, rendered for one recipient.

A wording is plain text with `{name}` placeholders, parsed with
`string.Formatter().parse` and never given to the template engine. Only the
kind's own placeholders are allowed: no attribute or index access (`{a.b}`,
`{a[0]}`), no format specification or conversion (`{a:>10}`, `{a!r}`), no
empty `{}`. A literal brace is written doubled, `{{` and `}}`, as in
Python's str.format; a single stray brace is refused.

The subject is one line: a wording's subject may not hold a line break, and
placeholder values are flattened to one line there, so no value can add a
mail header. The HTML part is made from the text: every literal and every
value escaped, the organiser's own web addresses and link placeholders made
links, then paragraphs and line breaks.
"""

from dataclasses import dataclass
from string import Formatter

from django.core.exceptions import ValidationError
from django.utils.html import escape, format_html, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Wording:
    """What an organiser wrote for a kind of email: its subject and text."""

    kind: str
    subject: str
    body: str


def _allowed(kind):
    return ", ".join("{" + p.name + "}" for p in kind.placeholders)


def wording_problems(kind, text, *, subject=False):
    """
    What is wrong with `text` as a wording of `kind` (a list of messages,
    empty when it is fine). The messages name the allowed placeholders.
    """
    problems = []
    if subject and ("\r" in text or "\n" in text):
        problems.append(_("The subject must be a single line."))
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        problems.append(
            _("A single “{” or “}” is not allowed; write “{{” or “}}” for a literal brace.")
        )
        parsed = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name == "":
            problems.append(_("An empty “{}” is not a placeholder."))
        elif not name.isidentifier():
            problems.append(
                _("“{%(name)s}” is not allowed: use a placeholder as it is, without “.” or “[ ]”.")
                % {"name": name}
            )
        elif spec or conversion:
            problems.append(
                _("“{%(name)s}” is not allowed: write a placeholder without “:” or “!”.")
                % {"name": name}
            )
        elif name not in kind.by_name:
            problems.append(_("“{%(name)s}” is not a placeholder of this email.") % {"name": name})
    if problems:
        problems.append(_("Allowed placeholders: %(names)s") % {"names": _allowed(kind)})
    return problems


def wording_check(kind, *, subject, body):
    """Raise ValidationError (by field) unless `subject` and `body` are a valid wording."""
    errors = {}
    if problems := wording_problems(kind, subject, subject=True):
        errors["subject"] = problems
    if problems := wording_problems(kind, body):
        errors["body"] = problems
    if errors:
        raise ValidationError(errors)


def _names(text):
    return {name for _literal, name, _spec, _conversion in Formatter().parse(text) if name}


def _one_line(value):
    return " ".join(value.split())


def _html(kind, body, values):
    parts = []
    for literal, name, _spec, _conversion in Formatter().parse(body):
        if literal:
            parts.append(urlize(literal, nofollow=True, autoescape=True))
        if name:
            value = values[name]
            if kind.by_name[name].is_url and value.startswith(("https://", "http://")):
                parts.append(format_html('<a href="{}">{}</a>', value, value))
            else:
                parts.append(escape(value))
    # Every part is escaped above: linebreaks only adds <p> and <br>.
    return mark_safe(linebreaks("".join(parts), autoescape=False))  # noqa: S308


def wording_render(kind, wording, context):
    """
    (subject, text, html_body) of a checked `wording` for one recipient's
    `context`: the subject on one line, the text as written with the values
    filled in, the HTML body (for the email layout) escaped throughout.
    """
    values = kind.values(context, _names(wording.subject) | _names(wording.body))
    subject = _one_line(
        wording.subject.format_map({name: _one_line(value) for name, value in values.items()})
    )
    text = wording.body.format_map(values)
    return subject, text, _html(kind, wording.body, values)
