"""
The broadcast editor and send form, fuzzed through the test client: any
texts, filters and times are answered (never a server error), and what is
saved is a broadcast whose texts pass the placeholder check and whose
audience the recipients query can read.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from conference.portal.broadcasts import services
from conference.portal.broadcasts.audience import Audience, audience_registrations
from conference.portal.broadcasts.models import Broadcast

pytestmark = pytest.mark.django_db

HOSTILE = "{}{{}}<>&\"'\r\n\u2028\ufeff%ΣİßBcc:"
text = st.text(
    alphabet=st.one_of(st.sampled_from(HOSTILE), st.characters(codec="utf-8")), max_size=60
)
placeholders = st.sampled_from(
    ["{first_name}", "{name}", "{conference}", "{portal_link}", "{a.b}", "{x!r}", "{", "}"]
)
wording = st.lists(st.one_of(text, placeholders), max_size=6).map("".join)
values = st.lists(
    st.one_of(
        text,
        st.sampled_from(["approved", "financier", "JP", "finance", "yes", "no", "1", "-1", "²"]),
    ),
    max_size=3,
)


def rolled_back(action):
    with transaction.atomic():
        result = action()
        transaction.set_rollback(True)
    return result


@pytest.fixture
def staff(organiser):
    client = Client()
    client.force_login(organiser)
    return client


@settings(max_examples=40, deadline=None)
@given(
    title=text,
    subject=wording,
    body=wording,
    subject_ja=wording,
    body_ja=wording,
    status=values,
    kind=values,
    country=values,
    topic=values,
    session=st.one_of(text, st.integers(-3, 2**40).map(str)),
    meetings=st.one_of(text, st.sampled_from(["yes", "no", ""])),
    language=values,
)
def test_any_broadcast_post_is_answered_and_saves_only_valid_broadcasts(
    conference, staff, title, subject, body, subject_ja, body_ja, status, kind, country, topic,
    session, meetings, language,
):  # fmt: skip
    data = {
        "title": title,
        "subject_en": subject,
        "body_en": body,
        "subject_ja": subject_ja,
        "body_ja": body_ja,
        "status": status,
        "kind": kind,
        "country": country,
        "topic": topic,
        "session": session,
        "meetings": meetings,
        "language": language,
    }

    def post():
        answers = [
            staff.post(reverse("conference:broadcast_new", args=[conference.slug]), data),
            staff.post(reverse("conference:broadcast_audience", args=[conference.slug]), data),
            staff.post(reverse("conference:broadcast_preview", args=[conference.slug, "ja"]), data),
        ]
        saved = list(Broadcast.objects.filter(conference=conference))
        for broadcast in saved:
            services.texts_check(broadcast.texts)  # raises if something slipped through
            list(
                audience_registrations(
                    conference=conference, audience=Audience.from_dict(broadcast.audience)
                )
            )
        return [answer.status_code for answer in answers], len(saved)

    try:
        statuses, saved = rolled_back(post)
    except ValidationError as exc:  # pragma: no cover - the assertion's message
        pytest.fail(f"A saved broadcast has invalid texts: {exc}")
    # A NUL in any field is refused before the form sees it (conference/core/middleware.py).
    flat = [v for value in data.values() for v in (value if isinstance(value, list) else [value])]
    if any("\x00" in value for value in flat):
        assert statuses == [400, 400, 400] and saved == 0
        return
    assert statuses[0] in (200, 302)
    assert statuses[1:] == [200, 200]
    assert saved == (1 if statuses[0] == 302 else 0)


@settings(max_examples=30, deadline=None)
@given(when=st.one_of(text, st.sampled_from(["now", "later"])), send_at=text)
def test_any_send_post_is_answered_and_leaves_a_draft_or_a_valid_send(
    conference, organiser, staff, when, send_at
):
    broadcast = services.broadcast_save(
        conference=conference,
        actor=organiser,
        title="x",
        texts={"en": {"subject": "Hi", "body": "Text"}},
        audience=Audience(status=[]),
    )
    url = reverse("conference:broadcast_send", args=[conference.slug, broadcast.pk])

    def post():
        answer = staff.post(url, {"when": when, "send_at": send_at})
        broadcast.refresh_from_db()
        return answer.status_code, broadcast.status

    status, state = rolled_back(post)
    assert status == (400 if "\x00" in when + send_at else 302)
    # Nobody registered: sending now is refused with a message; a future time schedules it.
    assert state in (Broadcast.Status.DRAFT, Broadcast.Status.SCHEDULED)
