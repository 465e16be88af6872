"""
The kinds of email organisers may reword, and the placeholders each offers.

An extension point: the core knows no kind of its own. Each app registers
its kinds from its `apps.py` `ready()` (e.g. `accounts/email_kinds.py`), so
the core never imports an app. A kind's key is the `kind` its sending code
passes to `email_queue`; each placeholder turns the context dict that code
already passes into a plain string, so a wording can show nothing the
email was not given.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Placeholder:
    """`{name}` in a wording: `value(context)` is its plain-text value."""

    name: str
    description: str
    value: Callable[[dict], object]
    # A link: in the HTML part it becomes <a href="...">, when it is http(s).
    is_url: bool = False


@dataclass(frozen=True)
class Sample:
    """
    A real recipient to preview a kind with: the context its sending code
    would give `email_queue` (with `user`, the recipient's account, when the
    kind is sent to one), and a label for the organisers' menu.
    """

    label: str
    context: dict


@dataclass(frozen=True)
class EmailKind:
    key: str
    label: str
    # The repository's templates (emails/<template>*.txt, .html): the default.
    template: str
    placeholders: tuple[Placeholder, ...]
    # conference -> a few Samples (real people of the conference), maybe none.
    samples: Callable[[object], list[Sample]]
    description: str = ""
    by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {p.name: p for p in self.placeholders})

    def values(self, context, names):
        """The plain-text values of the placeholders `names`, empty when missing."""
        found = {}
        for name in names:
            placeholder = self.by_name.get(name)
            value = placeholder.value(context) if placeholder else ""
            found[name] = "" if value is None else str(value)
        return found


_kinds: dict[str, EmailKind] = {}


def kind_register(kind):
    """Offer `kind` to the organisers' editor; registering a key twice is a mistake."""
    if kind.key in _kinds and _kinds[kind.key] != kind:
        raise ValueError(f"Email kind {kind.key!r} is registered twice.")
    _kinds[kind.key] = kind
    return kind


def kind_get(key):
    """The registered kind `key`, or None."""
    return _kinds.get(key)


def kinds():
    """Every registered kind, in registration order (the apps' layer order)."""
    return list(_kinds.values())


def _conference(context):
    return context.get("conference")


def _dates(context):
    conference = _conference(context)
    if conference is None:
        return ""
    # The date format of the standard templates, translated per language.
    start = formats.date_format(conference.start_date, gettext("j F Y"))
    end = formats.date_format(conference.end_date, gettext("j F Y"))
    return start if start == end else f"{start} – {end}"


def conference_placeholders():
    """Placeholders every kind can offer: the conference's own facts."""
    return (
        Placeholder(
            "conference",
            _("The conference's name"),
            lambda c: getattr(_conference(c), "name", ""),
        ),
        Placeholder("conference_dates", _("The conference's dates"), _dates),
        Placeholder(
            "venue", _("The conference's venue"), lambda c: getattr(_conference(c), "venue", "")
        ),
        Placeholder(
            "host", _("Who hosts the conference"), lambda c: getattr(_conference(c), "host", "")
        ),
    )


def recipient_placeholders():
    """Placeholders of kinds sent to an account (`user` in the context)."""

    def user(context):
        return context.get("user")

    return (
        Placeholder(
            "name", _("The recipient's full name"), lambda c: getattr(user(c), "display_name", "")
        ),
        Placeholder(
            "first_name",
            _("The recipient's given name (their full name when it is not known)"),
            lambda c: getattr(user(c), "given_name", "") or getattr(user(c), "display_name", ""),
        ),
    )
