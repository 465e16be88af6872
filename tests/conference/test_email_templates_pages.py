"""
The organisers' email wording pages (manage/emails/): the list, the editor
with its preview and test send, versions, restore and reset; organisers only.
"""

import pytest
from django.urls import reverse

from accounts import services as accounts
from conference.core import email_templates
from conference.core.models import (
    AuditLog,
    EmailTemplate,
    EmailTemplateVersion,
    OutgoingEmail,
    Role,
)
from tests.factories import ConferenceRoleFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def page(conference, name="email_template", kind="invitation", language="ja", **kwargs):
    if name == "email_templates":
        return reverse("conference:email_templates", args=[conference.slug])
    return reverse(f"conference:{name}", args=[conference.slug, kind, language, *kwargs.values()])


WORDING = {
    "subject": "【{conference}】ご招待",
    "body": "{name} 様\n{invitation_link}",
    "sample": "0",
}


@pytest.fixture
def invitee(conference):
    return InvitationFactory(
        conference=conference, name="<b>Sato</b>", email="sato@example.org", language="ja"
    )


def test_the_list_shows_which_kinds_are_customised_per_language(client, conference, organiser):
    client.force_login(organiser)
    client.post(page(conference), WORDING)

    response = client.get(page(conference, "email_templates"))

    rows = {row["kind"].key: row["languages"] for row in response.context["rows"]}
    assert rows["invitation"] == [("en", "English", False), ("ja", "Japanese", True)]
    assert rows["b2b.meeting_confirmed"] == [("en", "English", False), ("ja", "Japanese", False)]
    assert page(conference) in response.content.decode()


def test_saving_from_the_editor_makes_a_version(client, conference, organiser, invitee):
    client.force_login(organiser)

    response = client.post(page(conference), WORDING)

    assert response.status_code == 302
    template = EmailTemplate.objects.get(conference=conference)
    assert (template.kind, template.language, template.subject) == (
        "invitation",
        "ja",
        WORDING["subject"],
    )
    editor = client.get(page(conference)).content.decode()
    assert "Customised" in editor and "Reset to default" in editor
    assert editor.count("Restore") >= 1


def test_an_unknown_placeholder_is_refused_with_the_allowed_list(client, conference, organiser):
    client.force_login(organiser)

    response = client.post(page(conference), {**WORDING, "body": "Hello {passport_number}"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "“{passport_number}” is not a placeholder of this email." in text
    assert "Allowed placeholders: {name}, {conference}" in text
    assert not EmailTemplate.objects.exists()


def test_the_preview_fills_in_a_real_sample_escaped(client, conference, organiser, invitee):
    client.force_login(organiser)

    response = client.post(page(conference, "email_template_preview"), WORDING)

    text = response.content.decode()
    assert f"【{conference.name}】ご招待" in text
    assert "&lt;b&gt;Sato&lt;/b&gt; 様" in text  # the plain-text part, escaped in the page
    assert "<b>Sato</b>" not in text
    assert "EXAMPLE-ONLY" in text and invitee.token not in text
    frame = text.split('class="email-frame" src="')[1].split('"')[0]
    body = client.get(frame)
    assert body.status_code == 200
    assert "&lt;b&gt;Sato&lt;/b&gt; 様" in body.content.decode()
    assert "default-src 'none'" in body["Content-Security-Policy"]
    # The preview is kept for the organiser who rendered it only.
    client.force_login(ConferenceRoleFactory(conference=conference, role=Role.ORGANISER).user)
    assert client.get(frame).status_code in (302, 404)


def test_the_preview_shows_the_standard_email_before_anything_is_written(
    client, conference, organiser, invitee
):
    client.force_login(organiser)

    response = client.post(page(conference, "email_template_preview"), {"sample": "0"})

    assert response.context["standard"] is True
    assert response.context["email"].subject.startswith(conference.name)


@pytest.mark.parametrize("sample", ["9" * 5000, "²", "-1", "99", ""])
def test_the_standard_preview_takes_the_first_sample_for_any_other_menu_value(
    client, conference, organiser, invitee, sample
):
    # A number past int()'s digit limit (4,300) was a server error.
    client.force_login(organiser)

    response = client.post(page(conference, "email_template_preview"), {"sample": sample})

    assert response.status_code == 200
    assert response.context["standard"] is True
    assert "sato@example.org" in response.content.decode()


def test_the_preview_of_an_invalid_wording_lists_what_is_wrong(client, conference, organiser):
    client.force_login(organiser)

    response = client.post(page(conference, "email_template_preview"), {**WORDING, "body": "{a.b}"})

    assert "without “.” or “[ ]”" in response.content.decode()
    assert response.context["email"] is None


def test_a_test_goes_to_the_organiser_each_click_a_new_email(
    client, conference, organiser, invitee
):
    client.force_login(organiser)

    for _ in range(2):
        response = client.post(page(conference, "email_template_test"), WORDING)
        # The editor again, with the draft as written (not saved by a test).
        assert response.status_code == 200
        assert response.context["form"].data["subject"] == WORDING["subject"]

    tests = OutgoingEmail.objects.filter(kind="test").order_by("pk")
    assert [email.recipient for email in tests] == [organiser.email] * 2
    assert len({email.dedup_key for email in tests}) == 2
    assert tests[0].subject == f"【{conference.name}】ご招待"
    assert tests[0].body_text.startswith("<b>Sato</b> 様")
    assert tests[0].user is None
    assert not EmailTemplate.objects.exists()  # a test saves nothing
    assert AuditLog.objects.filter(action="email_template.test_send").count() == 2


def test_restore_and_reset_from_the_editor(client, conference, organiser, invitee):
    client.force_login(organiser)
    client.post(page(conference), WORDING)
    client.post(page(conference), {**WORDING, "subject": "Second {conference}"})
    first = EmailTemplateVersion.objects.order_by("pk").first()

    client.post(page(conference, "email_template_restore", version_id=first.pk))
    assert EmailTemplate.objects.get().subject == WORDING["subject"]
    assert EmailTemplateVersion.objects.count() == 3

    client.post(page(conference, "email_template_reset"))
    assert not EmailTemplate.objects.exists()
    invitation = accounts.invitation_create(
        conference=conference, actor=organiser, email="new@example.org", language="ja"
    )
    email = OutgoingEmail.objects.get(kind="invitation", recipient=invitation.email)
    assert not email.subject.startswith("【")


def test_a_version_of_another_kind_or_language_is_not_restored(client, conference, organiser):
    client.force_login(organiser)
    client.post(page(conference), WORDING)
    version = EmailTemplateVersion.objects.get()

    english = page(conference, "email_template_restore", language="en", version_id=version.pk)
    response = client.post(english)

    assert response.status_code == 404


def test_an_unknown_kind_or_language_is_not_found(client, conference, organiser):
    client.force_login(organiser)
    # The API's notice to integrators is no kind organisers may reword.
    assert client.get(page(conference, kind="webhook.disabled")).status_code == 404
    assert client.get(page(conference, language="fr")).status_code == 404


@pytest.mark.parametrize("persona", ["delegate", "security_officer", "checkin_staff"])
def test_only_organisers_reach_the_pages(client, conference, persona, request, invitee):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(page(conference, "email_templates")).status_code == 403
    assert client.get(page(conference)).status_code == 403
    for name in ("email_template_preview", "email_template_test", "email_template_reset"):
        assert client.post(page(conference, name), WORDING).status_code == 403
    assert client.post(page(conference), WORDING).status_code == 403
    assert not EmailTemplate.objects.exists()
    assert not OutgoingEmail.objects.filter(kind="test").exists()


@pytest.mark.parametrize("key", [k.key for k in email_templates.kinds()])
def test_every_kind_previews_with_every_placeholder_and_its_standard_email(client, world, key):
    kind = email_templates.kind_get(key)
    client.force_login(world.personas["organiser"])
    everything = " ".join("{" + p.name + "}" for p in kind.placeholders)

    for language in ("en", "ja"):
        url = page(world.conference, "email_template_preview", key, language)
        standard = client.post(url, {"sample": "0"})
        draft = client.post(url, {"subject": everything, "body": everything, "sample": "0"})
        editor = client.get(page(world.conference, "email_template", key, language))

        assert standard.status_code == draft.status_code == editor.status_code == 200
        assert draft.context["problems"] == []
        if draft.context["email"] is not None:
            assert "\n" not in draft.context["email"].subject
