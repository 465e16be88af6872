"""
The organisers' email wordings (`manage/emails/`): which kinds are reworded
in which language, the editor with its live preview and test send, the
version history, restore and reset to default. The kinds, their
placeholders and sample recipients come from `conference.core.email_templates`.
"""

import re
import uuid

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from conference.core import email_templates
from conference.core.email_templates import selectors, services
from conference.core.email_templates.rendering import Wording
from conference.core.forms import EmailTemplateForm
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.core.services import email_render

LANGUAGES = dict(settings.LANGUAGES)
PREVIEW_SECONDS = 10 * 60
# A preview's key, as email_template_preview makes it (uuid4().hex).
PREVIEW_KEY = re.compile(r"[0-9a-f]{32}")


def _kind_and_language(kind, language):
    """The registered kind `kind` and a known `language`, or 404."""
    found = email_templates.kind_get(kind)
    if found is None or language not in LANGUAGES:
        raise Http404
    return found, language


def _editor_url(conference, kind, language):
    return redirect("conference:email_template", conference.slug, kind.key, language)


@conference_view(Role.ORGANISER)
def email_templates_page(request, access):
    """Every kind of email and, per language, whether the organisers reworded it."""
    conference = access.conference
    reworded = selectors.overridden(conference_id=conference.pk)
    rows = [
        {
            "kind": kind,
            "languages": [
                (code, label, (kind.key, code) in reworded) for code, label in LANGUAGES.items()
            ],
        }
        for kind in email_templates.kinds()
    ]
    return render(
        request, "conference/email_templates.html", {"conference": conference, "rows": rows}
    )


@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def email_template_edit(request, access, kind, language):
    """The editor: subject and text, placeholders, preview, test send, history."""
    conference = access.conference
    kind, language = _kind_and_language(kind, language)
    samples = kind.samples(conference)
    current = selectors.email_template_get(conference=conference, kind=kind.key, language=language)
    if request.method == "POST":
        form = EmailTemplateForm(request.POST, kind=kind, samples=samples)
        if form.is_valid():
            # The form checked the wording as the service does.
            services.email_template_save(
                conference=conference,
                kind=kind,
                language=language,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                actor=request.user,
            )
            messages.success(
                request,
                _("Saved: “%(kind)s” in %(language)s now uses this wording.")
                % {"kind": kind.label, "language": LANGUAGES[language]},
            )
            return _editor_url(conference, kind, language)
    else:
        initial = {"subject": "", "body": ""}
        if current is not None:
            initial = {"subject": current.subject, "body": current.body}
        form = EmailTemplateForm(initial=initial, kind=kind, samples=samples)
    return _editor(request, conference, kind, language, form, current)


def _editor(request, conference, kind, language, form, current):
    context = {
        "conference": conference,
        "kind": kind,
        "language": language,
        "language_label": LANGUAGES[language],
        "current": current,
        "form": form,
        "versions": selectors.email_template_versions(
            conference=conference, kind=kind.key, language=language
        )[:50],
        "other_languages": [(code, label) for code, label in LANGUAGES.items() if code != language],
    }
    return render(request, "conference/email_template_edit.html", context)


def _sample(form, samples):
    index = form.cleaned_data.get("sample") or 0
    return samples[index] if 0 <= index < len(samples) else None


def _sample_at(value, samples):
    """
    The sample the menu's `value` names, the first one when it names none.
    Compared as text with the menu's own values ("0", "1", ...), never parsed:
    int() refuses a number of more than 4,300 digits with a ValueError.
    """
    return {str(index): sample for index, sample in enumerate(samples)}.get(value, samples[0])


@require_POST
@conference_view(Role.ORGANISER)
def email_template_preview(request, access, kind, language):
    """
    The editor's live preview (htmx): the draft filled in for the chosen
    sample recipient, exactly as `email_queue` would write it; or what is
    wrong with the draft.
    """
    conference = access.conference
    kind, language = _kind_and_language(kind, language)
    samples = kind.samples(conference)
    form = EmailTemplateForm(request.POST, kind=kind, samples=samples)
    email = sample = None
    if form.is_valid() and (sample := _sample(form, samples)) is not None:
        email = email_render(
            recipient=request.user.email,
            template=kind.template,
            context=sample.context,
            kind=kind.key,
            conference=conference,
            language=language,
            wording=Wording(kind.key, form.cleaned_data["subject"], form.cleaned_data["body"]),
        )
    elif not request.POST.get("subject", "").strip() and not request.POST.get("body", "").strip():
        # Nothing written yet: the standard email, as a starting point.
        form = None
        if samples:
            sample = _sample_at(request.POST.get("sample"), samples)
            email = email_render(
                recipient=request.user.email,
                template=kind.template,
                context=sample.context,
                kind=kind.key,
                conference=conference,
                language=language,
                standard=True,
            )
    preview_key = None
    if email is not None:
        preview_key = preview_store(conference, request.user, email.body_html)
    return render(
        request,
        "conference/_email_template_preview.html",
        {
            "conference": conference,
            "form": form,
            "email": email,
            "sample": sample,
            "standard": form is None,
            "preview_key": preview_key,
            # Each field names the allowed placeholders: say it once.
            "problems": list(dict.fromkeys(e for errors in form.errors.values() for e in errors))
            if form is not None
            else [],
        },
    )


def _preview_cache_key(conference, user, key):
    return f"email-template-preview:{conference.pk}:{user.pk}:{key}"


def preview_store(conference, user, body_html):
    """
    Keep a previewed email's HTML part a few minutes, for `user` only, and
    return its key for `email_template_preview_body`: the HTML is shown
    framed and sandboxed, as the outbox shows mail.
    """
    key = uuid.uuid4().hex
    cache.set(_preview_cache_key(conference, user, key), body_html, PREVIEW_SECONDS)
    return key


# The HTML email as its recipient sees it, with inline styles: served on its
# own, framed by the editor only, with scripts, forms and remote content
# refused (as conference.portal.views.outbox.outbox_email_body).
@xframe_options_sameorigin
@csp(
    {
        "default-src": [NONE],
        "style-src": [UNSAFE_INLINE],
        "img-src": ["data:"],
        "frame-ancestors": [SELF],
        "sandbox": [""],
    }
)
@conference_view(Role.ORGANISER)
def email_template_preview_body(request, access, key):
    if not PREVIEW_KEY.fullmatch(key):
        raise Http404
    body = cache.get(_preview_cache_key(access.conference, request.user, key))
    if body is None:
        raise Http404
    return HttpResponse(body, content_type="text/html; charset=utf-8")


@require_POST
@conference_view(Role.ORGANISER)
def email_template_test(request, access, kind, language):
    """Send the draft, filled in for the chosen sample, to the organiser's own address."""
    conference = access.conference
    kind, language = _kind_and_language(kind, language)
    samples = kind.samples(conference)
    form = EmailTemplateForm(request.POST, kind=kind, samples=samples)
    sample = _sample(form, samples) if form.is_valid() else None
    if not form.is_valid():
        messages.error(request, _("The test was not sent: the wording has errors (see below)."))
    elif sample is None:
        messages.error(
            request, _("The test was not sent: this conference has nobody to fill it in for yet.")
        )
    else:
        email = services.email_template_test_send(
            conference=conference,
            kind=kind,
            language=language,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            sample=sample,
            actor=request.user,
        )
        # The editor again, with the draft as written: it is not saved yet.
        messages.success(
            request,
            _("A test is on its way to %(email)s (see the outbox).") % {"email": email.recipient},
        )
    current = selectors.email_template_get(conference=conference, kind=kind.key, language=language)
    return _editor(request, conference, kind, language, form, current)


@require_POST
@conference_view(Role.ORGANISER)
def email_template_restore(request, access, kind, language, version_id):
    conference = access.conference
    kind, language = _kind_and_language(kind, language)
    version = selectors.email_template_version_get(
        conference=conference, kind=kind.key, language=language, version_id=version_id
    )
    if version is None:
        raise Http404
    try:
        services.email_template_restore(
            conference=conference, kind=kind, language=language, version=version, actor=request.user
        )
    except ValidationError:
        # The kind's placeholders changed since: the old text no longer fits.
        messages.error(
            request, _("This version uses placeholders this email no longer has; edit it instead.")
        )
    else:
        messages.success(request, _("The earlier version is restored (as a new version)."))
    return _editor_url(conference, kind, language)


@require_POST
@conference_view(Role.ORGANISER)
def email_template_reset(request, access, kind, language):
    conference = access.conference
    kind, language = _kind_and_language(kind, language)
    if services.email_template_reset(
        conference=conference, kind=kind, language=language, actor=request.user
    ):
        messages.success(
            request, _("Reset: this email uses the standard wording again. Its history is kept.")
        )
    else:
        messages.info(request, _("This email already uses the standard wording."))
    return _editor_url(conference, kind, language)
