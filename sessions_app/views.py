"""
Pages and feeds of the agenda: the public agenda and its feeds, sign-up, a
delegate's own schedule and feed, and the organisers' agenda builder.
"""

import hashlib
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conference.core import timezones
from conference.core.models import Role, Room
from conference.core.permissions import ANYONE, DELEGATE, REGISTERED, conference_view, get_access
from sessions_app import feeds, selectors, services
from sessions_app.forms import (
    RoomForm,
    SessionForm,
    SessionMoveForm,
    SessionSpeakerFormSet,
    SpeakerForm,
    TrackForm,
)
from sessions_app.models import Session, SessionSignup, Speaker, Track

# Cached renderings are keyed by release number, so they never go stale; the
# timeout only bounds how long unused ones occupy the cache.
AGENDA_CACHE_SECONDS = 24 * 60 * 60


def _cached(key, build):
    """
    `build()` once per key. The cache backend carries on without Redis when
    it is down (conference.core.cache), so the agenda then renders every time.
    """
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, AGENDA_CACHE_SECONDS)
    return value


# A visitor with no state (not logged in, no session, no message cookie) sees
# the same agenda page as every other such visitor, but for the CSRF token of
# the language form: that page is cached whole, with a placeholder for it.
_STATELESS_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
CSRF_PLACEHOLDER = "agenda-csrf-placeholder-5f0c2e"


def _is_stateless_visitor(request):
    return set(request.COOKIES) <= _STATELESS_COOKIES and not request.user.is_authenticated


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _viewer_tz(request, conference):
    user = request.user if request.user.is_authenticated else None
    return timezones.viewer_time_zone(
        conference=conference, requested=request.GET.get("tz"), user=user
    )


# The public agenda --------------------------------------------------------------------


@require_GET
@conference_view(ANYONE)
def agenda(request, access):
    """
    The published agenda by day. Its content (heading, filters and sessions)
    is the same for everyone who asks with the same release, language, time
    zone and filters, so it is rendered once and cached under that key; only
    the page around it (navigation, the viewer's own sign-ups) is rendered per
    request. A fixed number of queries whatever the size of the agenda.
    """
    conference = access.conference
    user = request.user if request.user.is_authenticated else None
    release = selectors.release_head(conference=conference)
    tz = _viewer_tz(request, conference)
    filters = selectors.AgendaFilters.from_query(request.GET)
    # The zone switch also offers the viewer's own zone: part of the key.
    tz_choices = timezones.time_zone_choices(conference=conference, current=tz, user=user)

    def build():
        with timezone.override(tz):
            return render_to_string(
                "sessions_app/_agenda_main.html",
                {
                    "conference": conference,
                    "release": release,
                    "days": selectors.agenda_days(
                        conference=conference, release=release, tz=tz, filters=filters
                    ),
                    "filters": filters,
                    "tracks": selectors.agenda_tracks(release=release),
                    "kinds": Session.Kind.choices,
                    "tz": tz,
                    "tz_label": timezones.time_zone_label(tz, conference=conference),
                    "tz_is_conference": tz.key == conference.time_zone,
                    "tz_choices": tz_choices,
                },
            )

    if filters.q:  # free text: too many variants to be worth caching
        main = build()
    else:
        key = selectors.agenda_cache_key(
            conference=conference,
            release=release,
            language=get_language(),
            tz=tz,
            part="html:" + _digest(",".join(tz_choices)),
            filters=filters,
        )
        if _is_stateless_visitor(request):
            page_key = f"{key}:page:{_digest(request.get_full_path())}"
            page = _cached(
                page_key,
                lambda: render_to_string(
                    "sessions_app/agenda.html",
                    {
                        "conference": conference,
                        "agenda_main": _cached(key, build),
                        "csrf_token": CSRF_PLACEHOLDER,
                    },
                    request=request,
                ),
            )
            return HttpResponse(page.replace(CSRF_PLACEHOLDER, get_token(request)))
        main = _cached(key, build)
    my_sessions = []
    if access.registration is not None and release is not None:
        my_sessions = [
            {"id": session_id, "status": signup.status}
            for session_id, signup in selectors.signups_live_for_registration(
                registration=access.registration
            ).items()
        ]
    context = {"conference": conference, "agenda_main": main, "my_sessions": my_sessions}
    return render(request, "sessions_app/agenda.html", context)


@require_GET
@conference_view(ANYONE)
def session_detail(request, access, session_id):
    conference = access.conference
    release = selectors.release_latest(conference=conference)
    item = selectors.release_session(release=release, session_id=session_id)
    if item is None or item.get("removed"):
        raise Http404
    tz = _viewer_tz(request, conference)
    registration = access.registration
    signup = position = None
    clashes = []
    can_sign_up = (
        item["kind"] in selectors.SIGNUP_KINDS
        and not item["cancelled"]
        and datetime.fromisoformat(item["ends_at"]) > timezone.now()
    )
    if access.is_delegate:
        signup = selectors.signup_live_for(registration=registration, session_id=session_id)
        if signup is not None:
            position = selectors.waitlist_position(signup=signup)
        elif can_sign_up:
            clashes = selectors.signup_clashes(
                registration=registration, release=release, item=item
            )
    seats_left = None
    if can_sign_up and item["capacity"] is not None:
        live = Session.objects.filter(pk=session_id).values_list("taken", "capacity").first()
        if live and live[1] is not None:
            seats_left = max(0, live[1] - live[0])
    with timezone.override(tz):
        context = {
            "conference": conference,
            "session": selectors.session_localise(item, tz),
            "tz": tz,
            "tz_label": timezones.time_zone_label(tz, conference=conference),
            "signup": signup,
            "position": position,
            "clashes": [
                {
                    **c,
                    "starts_at": c["starts_at"].astimezone(tz),
                    "ends_at": c["ends_at"].astimezone(tz),
                }
                for c in clashes
            ],
            "can_sign_up": can_sign_up,
            "seats_left": seats_left,
        }
        return render(request, "sessions_app/session.html", context)


@require_POST
@conference_view(DELEGATE)
def session_signup(request, access, session_id):
    try:
        signup = services.session_signup(registration=access.registration, session_id=session_id)
    except services.SignupError as exc:
        messages.error(request, str(exc))
    else:
        if signup.status == SessionSignup.Status.CONFIRMED:
            messages.success(request, _("You are signed up. It is in your schedule."))
        else:
            position = selectors.waitlist_position(signup=signup)
            messages.info(
                request,
                _("The session is full: you are number %(position)s on the waiting list.")
                % {"position": position},
            )
    return redirect("sessions_app:session", access.conference.slug, session_id)


@require_POST
@conference_view(REGISTERED)
def signup_cancel(request, access, signup_id):
    signup = selectors.signup_get_for_registration(
        registration=access.registration, signup_id=signup_id
    )
    if signup is None:
        raise Http404
    services.session_signup_cancel(signup=signup)
    messages.success(request, _("Your place is cancelled."))
    target = request.POST.get("next", "")
    if target == "session":
        return redirect("sessions_app:session", access.conference.slug, signup.session_id)
    return redirect("sessions_app:my_schedule", access.conference.slug)


# Feeds ---------------------------------------------------------------------------------


def _feed_response(body, content_type, *, etag, last_modified=None, private=False):
    response = HttpResponse(body, content_type=content_type)
    _feed_headers(response, etag=etag, last_modified=last_modified, private=private)
    return response


def _feed_headers(response, *, etag, last_modified=None, private=False):
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    # Revalidate every time: a publish must show up at once, and an ETag
    # makes the check cheap.
    if private:
        patch_cache_control(response, private=True, no_cache=True)
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        patch_cache_control(response, public=True, no_cache=True)


def _public_feed(request, access, *, part, content_type, build):
    conference = access.conference
    release = selectors.release_head(conference=conference)
    language = get_language()
    number = release.number if release else 0
    etag = f'"agenda-{conference.pk}-{number}-{language}-{part}"'
    last_modified = release.published_at if release else None
    not_modified = get_conditional_response(
        request,
        etag=etag,
        last_modified=int(last_modified.timestamp()) if last_modified else None,
    )
    if not_modified is not None:
        _feed_headers(not_modified, etag=etag, last_modified=last_modified)
        return not_modified
    key = selectors.agenda_cache_key(
        conference=conference, release=release, language=language, tz=conference.tz, part=part
    )
    body = _cached(key, lambda: build(conference=conference, release=release))
    return _feed_response(body, content_type, etag=etag, last_modified=last_modified)


@require_GET
@conference_view(ANYONE)
def agenda_ics(request, access):
    """Every published session as iCalendar; conditional on the release (ETag)."""
    response = _public_feed(
        request,
        access,
        part="ics",
        content_type="text/calendar; charset=utf-8",
        build=feeds.agenda_ics,
    )
    response.headers["Content-Disposition"] = f'inline; filename="{access.conference.slug}.ics"'
    return response


@require_GET
@conference_view(ANYONE)
def agenda_json(request, access):
    response = _public_feed(
        request,
        access,
        part="json",
        content_type="application/json; charset=utf-8",
        build=feeds.agenda_json,
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def personal_calendar(request, slug, token):
    """
    A delegate's own calendar feed. The secret token in the address is the
    only credential (calendar apps cannot log in), so an unknown token is a
    404. Built for its owner on every request, never from a shared cache.
    """
    access = get_access(request, slug)
    registration = selectors.registration_by_calendar_token(
        conference=access.conference, token=token
    )
    if registration is None:
        raise Http404
    release = selectors.release_latest(conference=access.conference)
    body, digest = feeds.personal_ics(registration=registration, release=release)
    etag = f'"me-{digest}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        _feed_headers(not_modified, etag=etag, private=True)
        return not_modified
    return _feed_response(body, "text/calendar; charset=utf-8", etag=etag, private=True)


# My schedule ----------------------------------------------------------------------------


@require_GET
@conference_view(REGISTERED)
def my_schedule(request, access):
    conference = access.conference
    registration = access.registration
    release = selectors.release_latest(conference=conference)
    tz = _viewer_tz(request, conference)
    feed_path = reverse(
        "sessions_app:my_calendar", args=[conference.slug, registration.calendar_token]
    )
    feed_url = request.build_absolute_uri(feed_path)
    with timezone.override(tz):
        context = {
            "conference": conference,
            "registration": registration,
            "days": selectors.my_schedule_days(registration=registration, release=release, tz=tz),
            "tz": tz,
            "tz_label": timezones.time_zone_label(tz, conference=conference),
            "tz_choices": timezones.time_zone_choices(
                conference=conference, current=tz, user=request.user
            ),
            # A zone picked here (not the one already saved) can be kept.
            "offer_zone_save": tz.key != (request.user.time_zone or conference.time_zone),
            "feed_url": feed_url,
            "webcal_url": "webcal://" + feed_url.split("://", 1)[-1],
            "printed_at": timezone.now(),
        }
        return render(request, "sessions_app/my_schedule.html", context)


@require_POST
@conference_view(REGISTERED)
def time_zone_save(request, access):
    """The viewer's own zone, kept on their account (empty: the conference's)."""
    time_zone = request.POST.get("time_zone", "").strip()
    if services.viewer_time_zone_save(user=request.user, time_zone=time_zone):
        label = timezones.time_zone_label(
            timezones.time_zone_or_none(time_zone) or access.conference.tz,
            conference=access.conference,
        )
        messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": label})
    else:
        messages.error(request, _("That is not a known time zone."))
    return redirect("sessions_app:my_schedule", access.conference.slug)


@require_POST
@conference_view(REGISTERED)
def calendar_reset(request, access):
    services.calendar_token_reset(registration=access.registration)
    messages.success(
        request,
        _("Your calendar address is new; the old one no longer works. Subscribe again with it."),
    )
    return redirect("sessions_app:my_schedule", access.conference.slug)


# The organisers' agenda builder ------------------------------------------------------------


def _manage_panels(conference):
    """Conflicts and pending changes of the working copy, rendered for the page and JS."""
    sessions = list(selectors.working_sessions(conference=conference))
    conflicts = selectors.agenda_conflicts(conference=conference, sessions=sessions)
    changes, previous = selectors.agenda_pending_changes(conference=conference, sessions=sessions)
    return sessions, conflicts, changes, previous


def _panel_html(request, conference, conflicts, changes, previous):
    context = {
        "conference": conference,
        "conflicts": conflicts,
        "changes": changes,
        "previous": previous,
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
    rooms = list(Room.objects.filter(conference=conference))
    tz = conference.tz
    days = selectors.agenda_grid_days(conference=conference, sessions=sessions, rooms=rooms, tz=tz)
    selected = request.GET.get("day", "")
    day = next((d for d in days if d.date.isoformat() == selected), days[0] if days else None)
    conflict_ids = selectors.conflicting_session_ids(conflicts)
    if day is not None:
        for session in day.sessions:
            session.has_conflict = session.pk in conflict_ids
    context = {
        "conference": conference,
        "days": days,
        "day": day,
        "has_roomless": bool(day and any(s.room_id is None for s in day.sessions)),
        "conflicts": conflicts,
        "changes": changes,
        "previous": previous,
        "releases": selectors.release_list(conference=conference, limit=5),
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
    _sessions, conflicts, changes, previous = _manage_panels(access.conference)
    conflicts_html, changes_html = _panel_html(
        request, access.conference, conflicts, changes, previous
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


@conference_view(Role.ORGANISER)
def session_edit(request, access, session_id=None):
    conference = access.conference
    session = _session_or_404(access, session_id) if session_id else Session(conference=conference)
    if session_id is None and request.method == "GET":
        # "New session" from a cell of the timetable arrives with its place.
        initial_form = SessionMoveForm(request.GET, conference=conference)
        if initial_form.is_valid():
            session.room = initial_form.cleaned_data["room"]
            session.starts_at = initial_form.cleaned_data["starts_at"]
            session.ends_at = initial_form.cleaned_data["ends_at"]
    form = SessionForm(request.POST or None, instance=session, conference=conference)
    speakers = SessionSpeakerFormSet(
        request.POST or None, instance=session, conference=conference, prefix="speakers"
    )
    if request.method == "POST" and form.is_valid() and speakers.is_valid():
        try:
            session = services.session_save(form=form, speakers=speakers, actor=request.user)
        except services.CapacityError as exc:
            # Sign-ups came in while the form was open.
            form.add_error("capacity", str(exc))
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": session.title})
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
            error = str(exc)
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
    _sessions, conflicts, changes, previous = _manage_panels(conference)
    conflicts_html, changes_html = _panel_html(request, conference, conflicts, changes, previous)
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
    try:
        services.session_delete(session=session, actor=request.user)
    except services.AgendaError as exc:
        messages.error(request, str(exc))
        return redirect("sessions_app:session_edit", access.conference.slug, session.pk)
    messages.success(request, _("The session is deleted."))
    return redirect("sessions_app:manage", access.conference.slug)


# Rooms, tracks and speakers: the same list / edit / delete pages for each.
CATALOGUES = {
    "rooms": {
        "model": Room,
        "form": RoomForm,
        "title": _("Rooms"),
        "new": _("New room"),
        "columns": ["name", "capacity", "location", "position"],
    },
    "tracks": {
        "model": Track,
        "form": TrackForm,
        "title": _("Tracks"),
        "new": _("New track"),
        "columns": ["name", "colour", "position"],
    },
    "speakers": {
        "model": Speaker,
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


def _catalogue_form(kind, conference, *args, **kwargs):
    form_class = _catalogue(kind)["form"]
    if form_class is SpeakerForm:
        kwargs["conference"] = conference
    return form_class(*args, **kwargs)


@require_GET
@conference_view(Role.ORGANISER)
def catalogue_list(request, access, kind):
    spec = _catalogue(kind)
    objects = spec["model"].objects.filter(conference=access.conference)
    if kind == "speakers":
        objects = objects.select_related("registration__user")
    context = {
        "conference": access.conference,
        "kind": kind,
        "spec": spec,
        "objects": objects,
    }
    return render(request, "sessions_app/manage/catalogue_list.html", context)


@conference_view(Role.ORGANISER)
def catalogue_edit(request, access, kind, pk=None):
    spec = _catalogue(kind)
    conference = access.conference
    obj = None
    if pk is not None:
        obj = spec["model"].objects.filter(conference=conference, pk=pk).first()
        if obj is None:
            raise Http404
    form = _catalogue_form(kind, conference, request.POST or None, instance=obj)
    form.instance.conference = conference
    if request.method == "POST" and form.is_valid():
        obj = services.catalogue_save(
            form=form, conference=conference, actor=request.user, action=f"agenda.{kind}.save"
        )
        messages.success(request, _("“%(name)s” is saved.") % {"name": obj})
        return redirect("sessions_app:catalogue", conference.slug, kind)
    context = {"conference": conference, "kind": kind, "spec": spec, "form": form, "obj": obj}
    return render(request, "sessions_app/manage/catalogue_form.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def catalogue_delete(request, access, kind, pk):
    spec = _catalogue(kind)
    obj = spec["model"].objects.filter(conference=access.conference, pk=pk).first()
    if obj is None:
        raise Http404
    try:
        services.catalogue_delete(obj=obj, actor=request.user, action=f"agenda.{kind}.delete")
    except ProtectedError:
        messages.error(
            request,
            _("“%(name)s” is still in use (for example by B2B meetings) and can't be deleted.")
            % {"name": obj},
        )
        return redirect("sessions_app:catalogue", access.conference.slug, kind)
    messages.success(request, _("“%(name)s” is deleted.") % {"name": obj})
    return redirect("sessions_app:catalogue", access.conference.slug, kind)
