"""The demo conference has the organisers' Japanese wording of the invitation, saved once."""

import pytest
from django.core.management import call_command

from accounts import services as accounts
from accounts.models import User
from conference.core.models import Conference, EmailTemplate, EmailTemplateVersion, OutgoingEmail

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_invites_in_japanese_with_the_organisers_wording():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    conference = Conference.objects.get(slug="bcmec")
    template = EmailTemplate.objects.get(conference=conference)
    assert (template.kind, template.language) == ("invitation", "ja")
    assert EmailTemplateVersion.objects.filter(conference=conference).count() == 1

    organiser = User.objects.get(email="organiser@example.org")
    for language in ("ja", "en"):
        accounts.invitation_create(
            conference=conference,
            actor=organiser,
            email=f"new-{language}@example.org",
            name="山田 花子",
            language=language,
        )
    japanese = OutgoingEmail.objects.get(recipient="new-ja@example.org")
    english = OutgoingEmail.objects.get(recipient="new-en@example.org")
    assert japanese.subject == f"【ご招待】{conference.name.localize('ja')}"  # the Japanese name
    assert japanese.body_text.startswith("山田 花子 様")
    assert english.subject == f"Your invitation to {conference.name.localize('en')}"
