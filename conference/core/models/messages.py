"""
Messages stored as data ([[msgid, {params}], ...]) and shown in the viewer's
language: job progress (Job.message_parts) and audit summaries
(AuditLog.summary_parts). The msgids are marked with gettext_noop where
written; the params are data (names, numbers, emails) and never translated.
"""

from django.utils.translation import gettext


def _message_param(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def message_parts(*parts):
    """`parts`, each a msgid or (msgid, params), as stored: [[msgid, {params}], ...]."""
    stored = []
    for part in parts:
        if isinstance(part, str):
            stored.append([part, {}])
        else:
            msgid, params = part
            stored.append(
                [str(msgid), {str(k): _message_param(v) for k, v in dict(params or {}).items()}]
            )
    return stored


def _message_part_text(msgid, params, translate):
    text = translate(msgid) if msgid else ""
    return text % params if params else text


def message_english(parts):
    """The stored message in English (msgids are English; a part whose params don't fit, raw)."""
    texts = []
    for msgid, params in parts:
        try:
            texts.append(_message_part_text(msgid, params, str))
        except (KeyError, TypeError, ValueError):
            texts.append(msgid)
    return " ".join(texts)


def message_render(parts, fallback=""):
    """
    The stored message in the active language; `fallback` (the stored English)
    for rows written before parts, or parts that don't render (bad params).
    """
    if not parts:
        return fallback
    try:
        return " ".join(_message_part_text(msgid, params, gettext) for msgid, params in parts)
    except (AttributeError, KeyError, TypeError, ValueError):
        try:  # A translation that doesn't fit its params: the English parts.
            return " ".join(_message_part_text(msgid, params, str) for msgid, params in parts)
        except (AttributeError, KeyError, TypeError, ValueError):
            return fallback
