"""The public agenda: the agenda by day, a session's page, and the ICS and JSON feeds."""

from datetime import datetime
from functools import wraps

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from conference.core import shared_cache, timezones
from conference.core.permissions import ANYONE, conference_view
from sessions_app import feeds, frab, selectors
from sessions_app.models import Session
from sessions_app.views import page_cache


def viewer_tz(request, conference):
    """The zone the viewer sees times in: asked for, their own, or the conference's."""
    user = request.user if request.user.is_authenticated else None
    return timezones.viewer_time_zone(
        conference=conference, requested=request.GET.get("tz"), user=user
    )


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
    tz = viewer_tz(request, conference)
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
            part="html:" + page_cache.digest(",".join(tz_choices)),
            filters=filters,
        )
        if shared_cache.is_stateless(request):
            return page_cache.stateless_page(
                request,
                key,
                lambda csrf_token: render_to_string(
                    "sessions_app/agenda.html",
                    {
                        "conference": conference,
                        "agenda_main": page_cache.cached(key, build),
                        "csrf_token": csrf_token,
                    },
                    request=request,
                ),
                slug=conference.slug,
                generation=release.number if release else 0,
            )
        main = page_cache.cached(key, build)
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
    tz = viewer_tz(request, conference)
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
        seats_left = selectors.session_seats_left(session_id=session_id)
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


# Feeds ---------------------------------------------------------------------------------


def feed_language(view):
    """
    `?lang=ja`: a feed in that language whatever the browser's (a calendar
    app that subscribes sends none); its texts fall back to the conference's
    default content language where a translation is missing.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        language = request.GET.get("lang", "")
        if language not in dict(settings.LANGUAGES):
            return view(request, *args, **kwargs)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        return response

    return wrapper


def _public_feed(request, access, *, part, content_type, build, any_origin=False):
    """
    A feed of the published agenda, cached per (release, language, part) and
    conditional on the release. `any_origin`: public data without
    credentials, readable by web apps of other origins (schedule viewers).
    """
    response = _feed_response(request, access, part=part, content_type=content_type, build=build)
    if any_origin:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _feed_response(request, access, *, part, content_type, build):
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
        page_cache.feed_headers(not_modified, etag=etag, last_modified=last_modified)
        return not_modified
    key = selectors.agenda_cache_key(
        conference=conference, release=release, language=language, tz=conference.tz, part=part
    )
    body = page_cache.cached(key, lambda: build(conference=conference, release=release))
    response = page_cache.feed_response(body, content_type, etag=etag, last_modified=last_modified)
    return shared_cache.share(response, request=request, slug=conference.slug, generation=number)


@require_GET
@feed_language
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
@feed_language
@conference_view(ANYONE)
def agenda_json(request, access):
    return _public_feed(
        request,
        access,
        part="json",
        content_type="application/json; charset=utf-8",
        build=feeds.agenda_json,
        any_origin=True,
    )


@require_GET
@feed_language
@conference_view(ANYONE)
def schedule_xml(request, access):
    """The agenda in frab's schedule.xml, for conference apps and recording teams."""
    return _public_feed(
        request,
        access,
        part="frab-xml",
        content_type="application/xml; charset=utf-8",
        build=frab.schedule_xml,
        any_origin=True,
    )


@require_GET
@feed_language
@conference_view(ANYONE)
def schedule_json(request, access):
    """The agenda in frab's schedule.json (c3voc's JSON schema)."""
    return _public_feed(
        request,
        access,
        part="frab-json",
        content_type="application/json; charset=utf-8",
        build=frab.schedule_json,
        any_origin=True,
    )


@require_GET
@feed_language
@conference_view(ANYONE)
def session_ics(request, access, session_id):
    """One published session as a calendar file ("Add to my calendar")."""
    conference = access.conference
    release = selectors.release_head(conference=conference)
    item = selectors.release_session(release=release, session_id=session_id)
    if item is None or item.get("removed"):
        raise Http404
    etag = f'"session-{session_id}-{release.number}-{get_language()}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        page_cache.feed_headers(not_modified, etag=etag, last_modified=release.published_at)
        return not_modified
    body = feeds.session_ics(conference=conference, release=release, item=item)
    response = page_cache.feed_response(
        body,
        "text/calendar; charset=utf-8",
        etag=etag,
        last_modified=release.published_at,
    )
    filename = f"{conference.slug}-session-{session_id}.ics"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return shared_cache.share(
        response, request=request, slug=conference.slug, generation=release.number
    )
