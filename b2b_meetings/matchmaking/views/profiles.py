"""
Profiles: a delegate edits their own, an organisation's delegates and the
organisers edit the organisation's; photos and logos are served to those
entitled to see them (404 for anyone else, as for an image that does not
exist).
"""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.errors import RegistrationError
from b2b_meetings.matchmaking import selectors, services
from b2b_meetings.matchmaking.forms import DelegateProfileForm, OrganisationProfileForm
from b2b_meetings.matchmaking.images import MAX_BYTES, SIZES, content_type_of
from conference.core.models import Role
from conference.core.permissions import DELEGATE, conference_view
from conference.core.uploads import upload_limit, upload_refused

IMAGE_MAX_AGE = 3600


@upload_limit(MAX_BYTES)
@conference_view(DELEGATE)
def profile_edit(request, access):
    conference = access.conference
    me = access.registration
    profile = selectors.profile_for_edit(registration=me)
    topics = selectors.conference_topics(conference=conference)
    posted = request.method == "POST"
    form = DelegateProfileForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        topics=topics,
        job_title_locked=conference.registration_locked,
        upload_refused=posted and upload_refused(request),
        initial={
            "job_title": me.job_title,
            "bio": profile.bio,
            "languages": profile.languages,
            "topics": selectors.profile_topic_ids(profile),
            "offers": profile.offers,
            "seeks": profile.seeks,
        },
    )
    if posted and form.is_valid():
        try:
            services.delegate_profile_update(
                registration=me, actor=request.user, **form.profile_values()
            )
        except RegistrationError as exc:
            form.add_error("job_title", exc.message)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("b2b_meetings:profile_edit", conference.slug)
    context = {
        "conference": conference,
        "form": form,
        "profile": profile,
        "me": me,
        "photo_url": selectors.photo_url(me, "large", conference=conference)
        if profile.pk
        else None,
        "tab": "profile",
    }
    return render(
        request,
        "b2b_meetings/matchmaking/profile_edit.html",
        context,
        status=400 if form.errors else 200,
    )


@upload_limit(MAX_BYTES)
@conference_view(DELEGATE, Role.ORGANISER)
def organisation_edit(request, access, organisation_id):
    conference = access.conference
    organisation = selectors.editable_organisation(access=access, organisation_id=organisation_id)
    if organisation is None:
        raise Http404
    topics = selectors.conference_topics(conference=conference)
    offered, sought = selectors.organisation_topic_ids(
        conference=conference, organisation=organisation
    )
    posted = request.method == "POST"
    form = OrganisationProfileForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=organisation,
        topics=topics,
        upload_refused=posted and upload_refused(request),
        initial={"offered": offered, "sought": sought},
    )
    if posted and form.is_valid():
        services.organisation_profile_update(
            organisation=organisation,
            conference=conference,
            actor=request.user,
            **form.profile_values(),
        )
        messages.success(
            request, _("The profile of %(name)s has been saved.") % {"name": organisation.name}
        )
        return redirect("b2b_meetings:organisation_edit", conference.slug, organisation.pk)
    context = {
        "conference": conference,
        "form": form,
        "organisation": organisation,
        "logo_url": selectors.logo_url(organisation, conference, "large"),
        "tab": "profile" if not access.is_organiser else None,
    }
    return render(
        request,
        "b2b_meetings/matchmaking/organisation_edit.html",
        context,
        status=400 if form.errors else 200,
    )


# Images ----------------------------------------------------------------------------------


def _image_response(file):
    """The stored image streamed, private to the viewer's browser for an hour; 404 if missing."""
    if not file:
        raise Http404
    try:
        handle = default_storage.open(file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type_of(file.name))
    response["Cache-Control"] = f"private, max-age={IMAGE_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@conference_view(DELEGATE, Role.ORGANISER)
def profile_photo(request, access, registration_id, size):
    if size not in SIZES:
        raise Http404
    registration = selectors.photo_owner(access=access, registration_id=registration_id)
    profile = selectors.profile_of(registration) if registration is not None else None
    if profile is None:
        raise Http404
    return _image_response(profile.photo if size == "large" else profile.photo_small)


@conference_view(DELEGATE, Role.ORGANISER)
def organisation_logo(request, access, organisation_id, size):
    if size not in SIZES:
        raise Http404
    organisation = selectors.logo_owner(access=access, organisation_id=organisation_id)
    if organisation is None:
        raise Http404
    return _image_response(organisation.logo if size == "large" else organisation.logo_small)
