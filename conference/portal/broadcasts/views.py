"""
The organisers' broadcasts (`manage/broadcasts/`): the list with statistics,
the editor with the live recipient count and a preview per language, the
broadcast's page with its test send, send or schedule, and the progress bar.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Registration
from conference.core.errors import shown_to_user
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.core.services import email_render
from conference.portal.broadcasts import selectors, services
from conference.portal.broadcasts.audience import (
    Audience,
    audience_describe,
    audience_registrations,
)
from conference.portal.broadcasts.forms import AudienceForm, BroadcastForm, SendForm
from conference.portal.broadcasts.models import Broadcast
from conference.portal.views.emails import preview_store

LANGUAGES = dict(settings.LANGUAGES)


def _detail(conference, broadcast):
    return redirect("conference:broadcast", conference.slug, broadcast.pk)


@conference_view(Role.ORGANISER)
def broadcasts_page(request, access):
    conference = access.conference
    broadcasts = selectors.broadcasts_list(conference=conference)
    return render(
        request,
        "broadcasts/list.html",
        {"conference": conference, "broadcasts": broadcasts},
    )


@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def broadcast_edit(request, access, broadcast_id=None):
    """Write a new broadcast, or change a draft."""
    conference = access.conference
    broadcast = None
    if broadcast_id is not None:
        broadcast = selectors.broadcast_get(conference=conference, broadcast_id=broadcast_id)
        if not broadcast.is_editable:
            messages.info(
                request, _("This broadcast was sent or scheduled: it can no longer change.")
            )
            return _detail(conference, broadcast)
    if request.method == "POST":
        form = BroadcastForm(request.POST, conference=conference)
        if form.is_valid():
            with shown_to_user(request) as outcome:
                broadcast = services.broadcast_save(
                    conference=conference,
                    actor=request.user,
                    broadcast=broadcast,
                    title=form.cleaned_data["title"],
                    texts=form.texts(),
                    audience=form.audience(),
                )
            if outcome.ok:
                messages.success(
                    request, _("Draft saved. Check it, send yourself a test, then send it.")
                )
                return _detail(conference, broadcast)
    elif broadcast is not None:
        form = BroadcastForm(initial=BroadcastForm.initial_of(broadcast), conference=conference)
    else:
        form = BroadcastForm(initial=Audience().as_dict(), conference=conference)
    count, first = _preview_of(conference, form)
    return render(
        request,
        "broadcasts/edit.html",
        {
            "conference": conference,
            "broadcast": broadcast,
            "form": form,
            "placeholders": services.MESSAGE.placeholders,
            "count": count,
            "first": first,
            "languages": LANGUAGES,
        },
    )


def _preview_of(conference, form):
    """The recipients of the form's audience as it stands (its initial data when unbound)."""
    if not form.is_bound:
        audience = Audience.from_dict(form.initial)
    else:
        audience_form = AudienceForm(form.data, conference=conference)
        if not audience_form.is_valid():
            return None, []
        audience = audience_form.audience()
    return selectors.audience_preview(conference=conference, audience=audience)


@require_POST
@conference_view(Role.ORGANISER)
def broadcast_audience(request, access):
    """The editor's recipient count and first recipients (htmx), as the filters change."""
    conference = access.conference
    form = AudienceForm(request.POST, conference=conference)
    count, first = _preview_of(conference, form)
    return render(
        request,
        "broadcasts/_audience.html",
        {"conference": conference, "count": count, "first": first},
    )


@require_POST
@conference_view(Role.ORGANISER)
def broadcast_preview(request, access, language):
    """
    The editor's preview in `language` (htmx): the text as a recipient of
    that language gets it, filled in for the first such recipient of the
    audience (or the organiser), or what is wrong with it.
    """
    conference = access.conference
    if language not in LANGUAGES:
        raise Http404
    form = BroadcastForm(request.POST, conference=conference)
    form.is_valid()
    problems = [
        problem
        for name in (
            "subject_" + settings.LANGUAGE_CODE,
            "body_" + settings.LANGUAGE_CODE,
            f"subject_{language}",
            f"body_{language}",
        )
        for problem in form.errors.get(name, [])
    ]
    email = registration = None
    if not problems:
        draft = Broadcast(conference=conference, texts=form.texts(), pk=0)
        audience = AudienceForm(request.POST, conference=conference)
        registration = _sample_recipient(conference, audience, language, request.user)
        message = services.message_for(draft, registration, language=language)
        email = email_render(conference=conference, **message)
    return render(
        request,
        "broadcasts/_preview.html",
        {
            "conference": conference,
            "email": email,
            "recipient": registration,
            "problems": list(dict.fromkeys(problems)),
            "preview_key": preview_store(conference, request.user, email.body_html)
            if email
            else None,
            "fallback": email is not None
            and language not in form.texts()
            and language != settings.LANGUAGE_CODE,
        },
    )


def _sample_recipient(conference, audience_form, language, user):
    """The first recipient of the audience who reads `language`, else the organiser."""
    registrations = Registration.objects.none()
    if audience_form.is_valid():
        registrations = audience_registrations(
            conference=conference, audience=audience_form.audience()
        )
    speaks = Q(user__language=language)
    if language == settings.LANGUAGE_CODE:
        speaks |= Q(user__language="")
    found = (
        registrations.filter(speaks)
        .select_related("user", "organisation", "conference")
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    own = (
        Registration.objects.filter(conference=conference, user=user)
        .select_related("user", "organisation", "conference")
        .first()
    )
    return own or Registration(conference=conference, user=user)


@conference_view(Role.ORGANISER)
def broadcast_detail(request, access, broadcast_id):
    conference = access.conference
    broadcast = selectors.broadcast_get(conference=conference, broadcast_id=broadcast_id)
    audience = Audience.from_dict(broadcast.audience)
    count = None
    if broadcast.is_editable or broadcast.status == Broadcast.Status.SCHEDULED:
        count, _first = selectors.audience_preview(conference=conference, audience=audience)
    return render(
        request,
        "broadcasts/detail.html",
        {
            "conference": conference,
            "broadcast": broadcast,
            "audience_text": audience_describe(conference=conference, audience=audience),
            "count": count,
            "texts": [
                (code, LANGUAGES.get(code, code), text) for code, text in broadcast.texts.items()
            ],
            "send_form": SendForm(conference=conference),
            "languages": LANGUAGES,
        },
    )


@require_POST
@conference_view(Role.ORGANISER)
def broadcast_send(request, access, broadcast_id):
    conference = access.conference
    broadcast = selectors.broadcast_get(conference=conference, broadcast_id=broadcast_id)
    form = SendForm(request.POST, conference=conference)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _detail(conference, broadcast)
    with shown_to_user(request) as outcome:
        broadcast = services.broadcast_send(
            broadcast=broadcast, actor=request.user, at=form.send_time()
        )
    if outcome.ok:
        if broadcast.status == Broadcast.Status.SCHEDULED:
            messages.success(
                request,
                _("Scheduled. Until it starts, you can still take it back to a draft."),
            )
        else:
            count = len(broadcast.recipients)
            messages.success(
                request,
                ngettext("Sending to %(count)s person.", "Sending to %(count)s people.", count)
                % {"count": count},
            )
    return _detail(conference, broadcast)


@require_POST
@conference_view(Role.ORGANISER)
def broadcast_unschedule(request, access, broadcast_id):
    conference = access.conference
    broadcast = selectors.broadcast_get(conference=conference, broadcast_id=broadcast_id)
    with shown_to_user(request) as outcome:
        services.broadcast_unschedule(broadcast=broadcast, actor=request.user)
    if outcome.ok:
        messages.success(request, _("No longer scheduled: it is a draft again."))
    return _detail(conference, broadcast)


@require_POST
@conference_view(Role.ORGANISER)
def broadcast_delete(request, access, broadcast_id):
    conference = access.conference
    broadcast = selectors.broadcast_get(conference=conference, broadcast_id=broadcast_id)
    with shown_to_user(request) as outcome:
        services.broadcast_delete(broadcast=broadcast, actor=request.user)
    if outcome.ok:
        messages.success(request, _("Draft deleted."))
        return redirect("conference:broadcasts", conference.slug)
    return _detail(conference, broadcast)


@require_POST
@conference_view(Role.ORGANISER)
def broadcast_test(request, access, broadcast_id, language):
    """Send the broadcast's text in `language` to the organiser, filled in for them."""
    conference = access.conference
    if language not in LANGUAGES:
        raise Http404
    broadcast = selectors.broadcast_get(conference=conference, broadcast_id=broadcast_id)
    try:
        email = services.broadcast_test_send(
            broadcast_texts=broadcast.texts,
            conference=conference,
            language=language,
            actor=request.user,
        )
    except (KeyError, ValidationError):
        messages.error(request, _("The test was not sent: the broadcast has no text to send."))
    else:
        messages.success(
            request,
            _("A test is on its way to %(email)s (see the outbox).") % {"email": email.recipient},
        )
    return _detail(conference, broadcast)


@conference_view(Role.ORGANISER)
def broadcast_progress(request, access, broadcast_id):
    """The progress bar (polled by htmx while the broadcast is being sent)."""
    conference = access.conference
    broadcast = selectors.broadcast_get(conference=conference, broadcast_id=broadcast_id)
    return render(
        request,
        "broadcasts/_progress.html",
        {"conference": conference, "broadcast": broadcast},
    )
