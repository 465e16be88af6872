"""
The reasons of a suggestion in plain words, in the reader's language.

The engine stores each reason as a code and parameters (organisation names
as given, topics and positions as codes); this renders them when the page
is read, so a Japanese reader gets Japanese sentences and the conference's
Japanese topic labels. `labels` carries what the codes name (topics,
sessions), read once per page.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from b2b_meetings.matchmaking import engine
from conference.core.models import OrganisationKind, ValueChain


@dataclass
class Labels:
    topics: dict = field(default_factory=dict)  # code -> label in the active language
    sessions: dict = field(default_factory=dict)  # id -> title


def _topic(labels, code):
    return labels.topics.get(code, code.replace("_", " "))


def _segment(code):
    if code == engine.NEW_ENTRANT:
        return _("new entrants")
    try:
        return str(ValueChain(code).label)
    except ValueError:
        return code


def _kind(code):
    try:
        return str(OrganisationKind(code).label)
    except ValueError:
        return code


def _more(params, shown=1):
    extra = len(params.get("topics", [])) - shown
    if extra <= 0:
        return ""
    return " " + ngettext("(and %(n)s more topic)", "(and %(n)s more topics)", extra) % {"n": extra}


def reason_text(reason, *, target, labels):
    """One reason ({"code", "params"}) about `target` (a Registration) as a sentence."""
    code, params = reason.get("code"), reason.get("params", {})
    target_org = target.organisation.name if target.organisation_id else target.user.display_name
    if code == engine.TOPIC_OFFER:
        text = _("%(seeker)s seeks %(topic)s; %(offerer)s offers it.") % {
            "seeker": params.get("seeker_org") or _("You"),
            "topic": _topic(labels, params.get("topic", "")),
            "offerer": params.get("offerer_org") or target_org,
        }
        return text + _more(params)
    if code == engine.TOPIC_INTEREST:
        text = _("You are interested in %(topic)s; %(offerer)s offers it.") % {
            "topic": _topic(labels, params.get("topic", "")),
            "offerer": params.get("offerer_org") or target_org,
        }
        return text + _more(params)
    if code == engine.TEXT:
        # The quoted sentence ends the clause: its own full stop goes.
        snippet = params.get("snippet", "").rstrip(" .。")
        if params.get("direction") == "they_seek":
            return _("%(org)s seeks “%(snippet)s”: close to what you offer.") % {
                "org": target_org,
                "snippet": snippet,
            }
        return _("%(org)s offers “%(snippet)s”: close to what you seek.") % {
            "org": target_org,
            "snippet": snippet,
        }
    if code == engine.SESSIONS:
        titles = [labels.sessions[i] for i in params.get("session_ids", []) if i in labels.sessions]
        if not titles:
            return None
        if len(titles) == 1:
            return _("You both signed up for “%(title)s”.") % {"title": titles[0]}
        more = len(titles) - 1
        return ngettext(
            "You both signed up for “%(title)s” and %(n)s more session.",
            "You both signed up for “%(title)s” and %(n)s more sessions.",
            more,
        ) % {"title": titles[0], "n": more}
    if code == engine.VALUE_CHAIN:
        return _("%(a)s ↔ %(b)s: parts of the value chain that work together.") % {
            "a": _segment(params.get("a", "")),
            "b": _segment(params.get("b", "")),
        }
    if code == engine.KIND:
        return _("%(a)s ↔ %(b)s: kinds of organisation that often do business together.") % {
            "a": _kind(params.get("a", "")),
            "b": _kind(params.get("b", "")),
        }
    if code == engine.BOOST:
        return _("The organisers want %(a)s and %(b)s to meet.") % {
            "a": _segment(params.get("a", "")),
            "b": _segment(params.get("b", "")),
        }
    return None


def reasons_text(reasons, *, target, labels):
    """The sentences of a suggestion's reasons, strongest first (unknown codes left out)."""
    sentences = (reason_text(r, target=target, labels=labels) for r in reasons)
    return [s for s in sentences if s]
