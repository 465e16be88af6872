"""
The organisers' matchmaking pages: the conference's taxonomy of topics
(add, rename, reorder, delete) and the pairing matrix with its boosts.
Organisers only.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b2b_meetings.matchmaking import selectors, services
from b2b_meetings.matchmaking.forms import MatchmakingForm, TopicForm, TopicMoveForm
from conference.core.models import Role
from conference.core.permissions import conference_view


def _get_topic(access, topic_id):
    topic = selectors.topic_for_conference(conference=access.conference, topic_id=topic_id)
    if topic is None:
        raise Http404
    return topic


def _back(access):
    return redirect("b2b_meetings:manage_taxonomy", access.conference.slug)


@conference_view(Role.ORGANISER)
def manage_taxonomy(request, access):
    conference = access.conference
    form = TopicForm(request.POST or None, auto_id="id_new_%s")
    if request.method == "POST" and form.is_valid():
        topic = services.topic_create(
            conference=conference,
            actor=request.user,
            label_en=form.cleaned_data["label_en"],
            label_ja=form.cleaned_data["label_ja"],
        )
        messages.success(request, _("Topic “%(label)s” added.") % {"label": topic.label_en})
        return _back(access)
    topics = selectors.taxonomy_with_usage(conference=conference)
    rows = [
        (
            topic,
            TopicForm(
                initial={"label_en": topic.label_en, "label_ja": topic.label_ja},
                auto_id=f"id_topic{topic.pk}_%s",
            ),
        )
        for topic in topics
    ]
    context = {
        "conference": conference,
        "form": form,
        "rows": rows,
        "tab": "taxonomy",
    }
    return render(
        request,
        "b2b_meetings/matchmaking/manage_taxonomy.html",
        context,
        status=400 if form.errors else 200,
    )


@require_POST
@conference_view(Role.ORGANISER)
def manage_topic_edit(request, access, topic_id):
    topic = _get_topic(access, topic_id)
    form = TopicForm(request.POST)
    if form.is_valid():
        services.topic_update(
            topic=topic,
            actor=request.user,
            label_en=form.cleaned_data["label_en"],
            label_ja=form.cleaned_data["label_ja"],
        )
        messages.success(request, _("Topic “%(label)s” saved.") % {"label": topic.label_en})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(access)


@require_POST
@conference_view(Role.ORGANISER)
def manage_topic_move(request, access, topic_id):
    topic = _get_topic(access, topic_id)
    form = TopicMoveForm(request.POST)
    if form.is_valid():
        services.topic_move(topic=topic, actor=request.user, offset=form.offset())
    return _back(access)


@require_POST
@conference_view(Role.ORGANISER)
def manage_topic_delete(request, access, topic_id):
    topic = _get_topic(access, topic_id)
    services.topic_delete(topic=topic, actor=request.user)
    messages.success(request, _("Topic “%(label)s” deleted.") % {"label": topic.label_en})
    return _back(access)


@conference_view(Role.ORGANISER)
def manage_matchmaking(request, access):
    conference = access.conference
    matrix, boosts, saved = selectors.matchmaking_settings(conference=conference)
    form = MatchmakingForm(request.POST or None, matrix=matrix, boosts=boosts)
    if request.method == "POST" and form.is_valid():
        services.matchmaking_settings_save(
            conference=conference, actor=request.user, **form.settings_values()
        )
        messages.success(request, _("Matchmaking settings saved."))
        return redirect("b2b_meetings:manage_matchmaking", conference.slug)
    context = {
        "conference": conference,
        "form": form,
        "saved": saved,
        "tab": "matchmaking",
    }
    return render(
        request,
        "b2b_meetings/matchmaking/manage_matchmaking.html",
        context,
        status=400 if form.errors else 200,
    )
