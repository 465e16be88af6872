"""
Email wordings organisers may edit, per conference, kind and language.

The registry (`registry`) is the extension point apps register their kinds
into; `rendering` checks and fills a wording; `selectors` and `services`
read and write the organisers' rows. Outgoing mail
(`conference.core.services.email_queue`) takes a wording when there is one.
"""

from conference.core.email_templates.registry import (
    EmailKind,
    Placeholder,
    Sample,
    conference_placeholders,
    kind_get,
    kind_register,
    kinds,
    recipient_placeholders,
)
from conference.core.email_templates.rendering import (
    Wording,
    wording_check,
    wording_problems,
    wording_render,
)

__all__ = [
    "EmailKind",
    "Placeholder",
    "Sample",
    "Wording",
    "conference_placeholders",
    "kind_get",
    "kind_register",
    "kinds",
    "recipient_placeholders",
    "wording_check",
    "wording_problems",
    "wording_render",
]
