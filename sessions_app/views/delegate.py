"""A delegate's pages: signing up, their own schedule, its calendar feed and settings."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conference.core import timezones
from conference.core.errors import shown_to_user
from conference.core.permissions import DELEGATE, REGISTERED, conference_view, get_access
from conference.core.private_cache import private_page
from sessions_app import feeds, selectors, services
from sessions_app.models import SessionSignup
from sessions_app.views import page_cache
from sessions_app.views.public import viewer_tz


@require_POST
@conference_view(DELEGATE)
def session_signup(request, access, session_id):
    with shown_to_user(request) as outcome:
        signup = services.session_signup(registration=access.registration, session_id=session_id)
    if outcome.ok:
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
        page_cache.feed_headers(not_modified, etag=etag, private=True)
        return not_modified
    return page_cache.feed_response(body, "text/calendar; charset=utf-8", etag=etag, private=True)


@private_page
@require_GET
@conference_view(REGISTERED)
def my_schedule(request, access):
    conference = access.conference
    registration = access.registration
    release = selectors.release_latest(conference=conference)
    tz = viewer_tz(request, conference)
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
