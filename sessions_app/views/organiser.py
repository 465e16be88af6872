"""
The organisers' agenda builder: the timetable of the working copy with its
conflicts and pending changes, publishing, sessions, and the catalogues of
rooms, tracks and speakers.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conference.core import timezones
from conference.core.content import content_language_names
from conference.core.errors import shown_to_user
from conference.core.images import MAX_BYTES
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.core.uploads import upload_limit, upload_refused
from sessions_app import selectors, services
from sessions_app.forms import (
    ConferenceTextsForm,
    RoomForm,
    SessionForm,
    SessionMoveForm,
    SessionPlaceForm,
    SessionSpeakerFormSet,
    SpeakerForm,
    TrackForm,
)
from sessions_app.models import Session


def _manage_panels(conference):
    """Conflicts and pending changes of the working copy, rendered for the page and JS."""
    sessions = list(selectors.working_sessions(conference=conference))
    conflicts = selectors.agenda_conflicts(conference=conference, sessions=sessions)
    changes, previous = selectors.agenda_pending_changes(conference=conference, sessions=sessions)
    return sessions, conflicts, changes, previous


def _unmarked(sessions, changes):
    """
    Sessions that publishing leaves out because they are not marked
    "published" (those just taken off the agenda are in the change list).
    """
    changed = {change["session"] for change in changes}
    return [s for s in sessions if not s.published and s.pk not in changed]


def _panel_html(request, conference, sessions, conflicts, changes, previous):
    context = {
        "conference": conference,
        "conflicts": conflicts,
        "changes": changes,
        "previous": previous,
        "unmarked": _unmarked(sessions, changes),
    }
    return (
        render_to_string("sessions_app/manage/_conflicts.html", context, request=request),
        render_to_string("sessions_app/manage/_changes.html", context, request=request),
    )


@require_GET
@conference_view(Role.ORGANISER)
def agenda_manage(request, access):
    conference = access.conference
    sessions, conflicts, changes, previous = _manage_panels(conference)
    rooms = list(selectors.catalogue_list(conference=conference, kind="rooms"))
    tz = conference.tz
    days = selectors.agenda_grid_days(conference=conference, sessions=sessions, rooms=rooms, tz=tz)
    selected = request.GET.get("day", "")
    day = next((d for d in days if d.date.isoformat() == selected), days[0] if days else None)
    conflict_ids = selectors.conflicting_session_ids(conflicts)
    new_ids = {change["session"] for change in changes if change["change"] == "new"}
    if day is not None:
        for session in day.sessions:
            session.has_conflict = session.pk in conflict_ids
            session.not_yet_public = session.published and session.pk in new_ids
    context = {
        "conference": conference,
        "days": days,
        "day": day,
        "has_roomless": bool(day and any(s.room_id is None for s in day.sessions)),
        "conflicts": conflicts,
        "changes": changes,
        "previous": previous,
        "unmarked": _unmarked(sessions, changes),
        "releases": selectors.release_list(conference=conference, limit=5),
        "untranslated": selectors.sessions_untranslated(conference=conference, sessions=sessions),
        "content_languages": content_language_names(conference),
        "tz_label": timezones.time_zone_label(tz, conference=conference),
        "counts": {
            "sessions": len(sessions),
            "published": sum(1 for s in sessions if s.published),
            "rooms": len(rooms),
        },
    }
    return render(request, "sessions_app/manage/agenda.html", context)


@require_GET
@conference_view(Role.ORGANISER)
def agenda_manage_panels(request, access):
    sessions, conflicts, changes, previous = _manage_panels(access.conference)
    conflicts_html, changes_html = _panel_html(
        request, access.conference, sessions, conflicts, changes, previous
    )
    return JsonResponse(
        {
            "conflicts_html": conflicts_html,
            "changes_html": changes_html,
            "conflict_ids": sorted(selectors.conflicting_session_ids(conflicts)),
        }
    )


@require_POST
@conference_view(Role.ORGANISER)
def agenda_publish(request, access):
    release = services.schedule_publish(conference=access.conference, actor=request.user)
    messages.success(
        request,
        _("Version %(number)s of the agenda is published.") % {"number": release.number},
    )
    return redirect("sessions_app:manage", access.conference.slug)


def _session_or_404(access, session_id):
    session = selectors.session_for_organiser(conference=access.conference, session_id=session_id)
    if session is None:
        raise Http404
    return session


def _saved_message(session, *, created):
    """Says plainly whether delegates can see the session yet."""
    values = {"title": session.title}
    if not session.published:
        return (
            _(
                "“%(title)s” is saved. It is not marked “published”, so delegates will not see it, "
                "even after you publish the agenda."
            )
            % values
        )
    if created:
        return (
            _("“%(title)s” is saved. Not yet public: publish the agenda to show it to delegates.")
            % values
        )
    return _("“%(title)s” is saved. Delegates see the change when you publish the agenda.") % values


@conference_view(Role.ORGANISER)
def session_edit(request, access, session_id=None):
    conference = access.conference
    session = _session_or_404(access, session_id) if session_id else Session(conference=conference)
    if session_id is None and request.method == "GET":
        # A new session starts marked for the agenda: the next publish shows it.
        session.published = True
        # "New session" from an empty cell of the timetable arrives with its place.
        place = SessionPlaceForm(request.GET, conference=conference)
        if place.is_valid():
            session.room = place.cleaned_data["room"]
            session.starts_at = place.cleaned_data["starts_at"]
            session.ends_at = place.cleaned_data["ends_at"]
    form = SessionForm(request.POST or None, instance=session, conference=conference)
    speakers = SessionSpeakerFormSet(
        request.POST or None, instance=session, conference=conference, prefix="speakers"
    )
    if request.method == "POST" and form.is_valid() and speakers.is_valid():
        try:
            session = services.session_save(
                conference=conference,
                session=session if session.pk else None,
                speakers=speakers.speaker_roles(),
                actor=request.user,
                **form.cleaned_data,
            )
        except services.CapacityError as exc:
            # Sign-ups came in while the form was open.
            form.add_error("capacity", exc.message)
        else:
            messages.success(request, _saved_message(session, created=session_id is None))
            day = session.starts_at.astimezone(conference.tz).date().isoformat()
            return redirect(f"{reverse('sessions_app:manage', args=[conference.slug])}?day={day}")
    conflicts = []
    if session.pk:
        conflicts = [
            c
            for c in selectors.agenda_conflicts(conference=conference)
            if any(s.pk == session.pk for s in c["sessions"])
        ]
    context = {
        "conference": conference,
        "session": session,
        "form": form,
        "speakers": speakers,
        "conflicts": conflicts,
        "tz_label": timezones.time_zone_label(conference.tz, conference=conference),
    }
    return render(request, "sessions_app/manage/session_form.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def session_move(request, access, session_id):
    """
    Move or resize a session. Answers JSON to the timetable's script (with the
    refreshed conflict and change panels), or redirects a plain form post.
    """
    conference = access.conference
    session = _session_or_404(access, session_id)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    form = SessionMoveForm(request.POST, conference=conference)
    error = None
    if form.is_valid():
        try:
            session = services.session_move(
                session=session,
                room=form.cleaned_data["room"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                actor=request.user,
            )
        except services.AgendaError as exc:
            error = exc.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not wants_json:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("“%(title)s” is moved.") % {"title": session.title})
        return redirect("sessions_app:session_edit", conference.slug, session.pk)
    if error:
        return JsonResponse({"ok": False, "error": error}, status=400)
    sessions, conflicts, changes, previous = _manage_panels(conference)
    conflicts_html, changes_html = _panel_html(
        request, conference, sessions, conflicts, changes, previous
    )
    local_start = session.starts_at.astimezone(conference.tz)
    local_end = session.ends_at.astimezone(conference.tz)
    return JsonResponse(
        {
            "ok": True,
            "session": {
                "id": session.pk,
                "room": session.room_id,
                "starts_at": local_start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": local_end.strftime("%Y-%m-%dT%H:%M"),
                "label": f"{local_start:%H:%M}–{local_end:%H:%M}",
            },
            "conflicts_html": conflicts_html,
            "changes_html": changes_html,
            "conflict_ids": sorted(selectors.conflicting_session_ids(conflicts)),
        }
    )


@require_POST
@conference_view(Role.ORGANISER)
def session_duplicate(request, access, session_id):
    session = _session_or_404(access, session_id)
    copy = services.session_duplicate(session=session, actor=request.user)
    messages.success(request, _("A copy is made; it is not published yet."))
    return redirect("sessions_app:session_edit", access.conference.slug, copy.pk)


@require_POST
@conference_view(Role.ORGANISER)
def session_delete(request, access, session_id):
    session = _session_or_404(access, session_id)
    with shown_to_user(request) as outcome:
        services.session_delete(session=session, actor=request.user)
    if not outcome.ok:
        return redirect("sessions_app:session_edit", access.conference.slug, session.pk)
    messages.success(request, _("The session is deleted."))
    return redirect("sessions_app:manage", access.conference.slug)


# Rooms, tracks and speakers: the same list / edit / delete pages for each.
CATALOGUES = {
    "rooms": {
        "form": RoomForm,
        "title": _("Rooms"),
        "new": _("New room"),
        "columns": ["name", "capacity", "location", "position"],
    },
    "tracks": {
        "form": TrackForm,
        "title": _("Tracks"),
        "new": _("New track"),
        "columns": ["name", "colour", "position"],
    },
    "speakers": {
        "form": SpeakerForm,
        "title": _("Speakers"),
        "new": _("New speaker"),
        "columns": ["name", "title", "registration"],
    },
}


def _catalogue(kind):
    if kind not in CATALOGUES:
        raise Http404
    return CATALOGUES[kind]


def _catalogue_object_or_404(access, kind, pk):
    obj = selectors.catalogue_get(conference=access.conference, kind=kind, pk=pk)
    if obj is None:
        raise Http404
    return obj


def _catalogue_form(kind, conference, *args, **kwargs):
    form_class = _catalogue(kind)["form"]
    refused = kwargs.pop("upload_refused", False)
    kwargs["conference"] = conference
    if form_class is SpeakerForm:
        kwargs["upload_refused"] = refused
    else:
        args = args[:1]  # rooms and tracks take no files
    return form_class(*args, **kwargs)


@require_GET
@conference_view(Role.ORGANISER)
def catalogue_list(request, access, kind):
    spec = _catalogue(kind)
    context = {
        "conference": access.conference,
        "kind": kind,
        "spec": spec,
        "objects": selectors.catalogue_list(conference=access.conference, kind=kind),
    }
    return render(request, "sessions_app/manage/catalogue_list.html", context)


@upload_limit(MAX_BYTES)  # a speaker's photo
@conference_view(Role.ORGANISER)
def catalogue_edit(request, access, kind, pk=None):
    spec = _catalogue(kind)
    conference = access.conference
    obj = _catalogue_object_or_404(access, kind, pk) if pk is not None else None
    posted = request.method == "POST"
    form = _catalogue_form(
        kind,
        conference,
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=obj,
        upload_refused=posted and upload_refused(request),
    )
    form.instance.conference = conference
    if posted and form.is_valid():
        if kind == "speakers":
            obj = services.speaker_save(
                conference=conference,
                speaker=obj,
                data=form.speaker_values(),
                actor=request.user,
                photo=form.prepared_photo,
                remove_photo=form.cleaned_data.get("remove_photo", False),
            )
        else:
            obj = services.catalogue_save(
                conference=conference,
                kind=kind,
                obj=obj,
                data=form.cleaned_data,
                actor=request.user,
            )
        messages.success(request, _("“%(name)s” is saved.") % {"name": obj})
        return redirect("sessions_app:catalogue", conference.slug, kind)
    context = {"conference": conference, "kind": kind, "spec": spec, "form": form, "obj": obj}
    return render(request, "sessions_app/manage/catalogue_form.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def catalogue_delete(request, access, kind, pk):
    _catalogue(kind)
    obj = _catalogue_object_or_404(access, kind, pk)
    with shown_to_user(request) as outcome:
        services.catalogue_delete(kind=kind, obj=obj, actor=request.user)
    if outcome.ok:
        messages.success(request, _("“%(name)s” is deleted.") % {"name": obj})
    return redirect("sessions_app:catalogue", access.conference.slug, kind)


@conference_view(Role.ORGANISER)
def conference_texts(request, access):
    """The conference's content languages, name, tagline and description."""
    conference = access.conference
    form = ConferenceTextsForm(request.POST or None, instance=conference)
    if request.method == "POST" and form.is_valid():
        services.conference_texts_save(
            conference=conference,
            data={name: form.cleaned_data[name] for name in form._meta.fields},
            actor=request.user,
        )
        messages.success(request, _("The conference's texts and languages are saved."))
        return redirect("sessions_app:conference_texts", conference.slug)
    return render(
        request,
        "sessions_app/manage/conference_texts.html",
        {"conference": conference, "form": form},
    )
