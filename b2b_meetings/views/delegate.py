"""
The delegates' B2B pages: the directory, meeting requests, availability and
meetings. The meeting page, its calendar file and its cancel button serve
the organisers too, and so does a request's page, read-only.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b2b_meetings import selectors, services
from b2b_meetings.forms import (
    AcceptToScheduleForm,
    AvailabilityForm,
    CancelForm,
    DeclineForm,
    DirectoryFilterForm,
    FeedbackForm,
    MeetingRequestForm,
)
from b2b_meetings.matchmaking.selectors.profiles import can_edit_organisation
from b2b_meetings.matchmaking.selectors.suggestions import suggested_agenda
from b2b_meetings.models import Meeting, MeetingRequest, MeetingSlot
from b2b_meetings.rules import is_request_recipient
from b2b_meetings.selectors import directory as directory_selectors
from b2b_meetings.selectors.directory import organisation_card, person_card
from b2b_meetings.views.shared import (
    by_day,
    get_meeting,
    get_request,
    get_request_to_read,
    is_seated,
    meeting_changed,
    meeting_page_context,
    request_page_context,
)
from conference.core.errors import shown_to_user
from conference.core.forms import parse_id
from conference.core.fragments import render_each
from conference.core.models import Role
from conference.core.permissions import DELEGATE, conference_view
from conference.core.private_cache import private_page

DIRECTORY_PAGE_SIZE = 24


# Directory -----------------------------------------------------------------------


@private_page
@conference_view(DELEGATE, Role.ORGANISER)
def directory(request, access):
    conference = access.conference
    me = access.registration if access.is_delegate else None
    topics = directory_selectors.directory_topics(conference=conference)
    form = DirectoryFilterForm(request.GET, topics=topics)
    form.is_valid()  # what is invalid is left out of the query
    query = form.directory_query()
    search = directory_selectors.directory_search(
        conference=conference, viewer=me, query=query, topics=topics
    )
    form.show_facets(search.facets)
    page = Paginator(search.ids, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = directory_selectors.directory_page(
        conference=conference, search=search, ids=list(page.object_list), viewer=me
    )
    # The query string keeps the filters across pages and between the two views.
    kept = request.GET.copy()
    kept.pop("page", None)
    kept.pop("show", None)
    filters = kept.urlencode()
    here = request.GET.copy()
    here.pop("page", None)
    if search.query.people:
        template, name, card = "b2b_meetings/_directory_person.html", "person", person_card
    else:
        template, name, card = "b2b_meetings/_directory_organisation.html", "org", organisation_card
    context = {
        "conference": conference,
        "form": form,
        "search": search,
        "page": page,
        "query": here.urlencode(),
        "organisations_query": filters,
        "people_query": f"{filters}&show=people" if filters else "show=people",
        "me": me,
        "cards": render_each(template, name, [card(item) for item in page.object_list]),
    }
    return render(request, "b2b_meetings/directory.html", context)


@conference_view(DELEGATE, Role.ORGANISER)
def organisation(request, access, organisation_id):
    conference = access.conference
    org = selectors.directory_organisation(conference=conference, organisation_id=organisation_id)
    if org is None:
        raise Http404
    me = access.registration if access.is_delegate else None
    pending_people, pending_orgs = (
        selectors.pending_request_targets(registration=me) if me else (set(), set())
    )
    delegates = list(selectors.directory_delegates(conference=conference, organisation=org))
    for delegate in delegates:
        delegate.pending = delegate.pk in pending_people
    can_edit = can_edit_organisation(access=access, organisation=org)
    context = {
        "conference": conference,
        "organisation": org,
        "profile": directory_selectors.directory_organisation_profile(
            conference=conference, organisation=org
        ),
        "delegates": delegates,
        "me": me,
        "can_request": selectors.can_request(conference=conference, requester=me, organisation=org),
        "org_pending": org.pk in pending_orgs,
        "can_edit": can_edit,
    }
    return render(request, "b2b_meetings/organisation.html", context)


# Requests ------------------------------------------------------------------------


def _request_new(request, access, *, target_registration=None, target_organisation=None):
    conference = access.conference
    me = access.registration
    organisation = (
        target_organisation if target_organisation is not None else target_registration.organisation
    )
    free = selectors.slots_free_for(
        conference=conference,
        registrations=[me] if target_registration is None else [me, target_registration],
    )
    initial = {}
    if request.method == "GET" and request.GET.get("suggested") and target_registration:
        # From a suggestion: start the agenda with why the two should meet.
        initial["agenda"] = suggested_agenda(registration=me, target=target_registration)
    form = MeetingRequestForm(
        request.POST or None, initial=initial, slots=free, conference=conference
    )
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.request_create(
                conference=conference,
                requester=me,
                target_registration=target_registration,
                target_organisation=target_organisation,
                agenda=form.cleaned_data["agenda"],
                priority=form.cleaned_data["priority"],
                proposed_slot_ids=form.cleaned_data.get("proposed", []),
            )
        except services.B2BError as exc:
            # Shown in the form, next to what the person wrote.
            form.add_error(None, exc.message)
        else:
            if sent.joined is not None:
                # They had asked first: say so now, and take the person to
                # their request, which they can accept at once.
                messages.success(
                    request,
                    _(
                        "%(name)s had already asked to meet you. Your requests are joined: "
                        "accepting either one books a single meeting. You can accept theirs "
                        "now."
                    )
                    % {"name": sent.joined.requester.user.display_name},
                )
                return redirect("b2b_meetings:request", conference.slug, sent.joined.pk)
            messages.success(request, _("Your request has been sent."))
            return redirect("b2b_meetings:requests", conference.slug)
    context = {
        "conference": conference,
        "form": form,
        "target_registration": target_registration,
        "target_organisation": target_organisation,
        "organisation": organisation,
        "can_request": organisation is None
        or selectors.can_request(conference=conference, requester=me, organisation=organisation),
    }
    return render(
        request, "b2b_meetings/request_new.html", context, status=400 if form.errors else 200
    )


@conference_view(DELEGATE)
def request_new_delegate(request, access, registration_id):
    target = selectors.directory_delegate(
        conference=access.conference, registration_id=registration_id
    )
    if target is None or target.pk == access.registration.pk:
        raise Http404
    return _request_new(request, access, target_registration=target)


@conference_view(DELEGATE)
def request_new_organisation(request, access, organisation_id):
    org = selectors.directory_organisation(
        conference=access.conference, organisation_id=organisation_id
    )
    if org is None:
        raise Http404
    return _request_new(request, access, target_organisation=org)


@conference_view(DELEGATE)
def requests(request, access):
    me = access.registration
    incoming = list(selectors.request_list_incoming(registration=me))
    outgoing = list(selectors.request_list_outgoing(registration=me))
    meetings = list(selectors.meeting_list_for_registration(registration=me))
    now = timezone.now()
    by_request = {m.request_id: m for m in meetings if m.request_id}
    for item in incoming + outgoing:
        item.is_open = item.status == MeetingRequest.Status.PENDING and (
            item.expires_at is None or item.expires_at > now
        )
        # A request settled with a joined one shows that one's meeting.
        item.my_meeting = by_request.get(item.pk) or by_request.get(item.linked_id)
    context = {
        "conference": access.conference,
        "me": me,
        "incoming": incoming,
        "outgoing": outgoing,
        "meetings": meetings,
        "open_incoming": sum(1 for r in incoming if r.is_open),
        "now": now,
    }
    return render(request, "b2b_meetings/requests.html", context)


def _posted_slot_id(request):
    """The slot id named in the POST, or None."""
    return parse_id(request.POST.get("slot"))


def _posted_slot(request, conference):
    """The conference's slot named in the POST, or None."""
    slot_id = _posted_slot_id(request)
    if slot_id is None:
        return None
    return selectors.slot_for_conference(conference=conference, slot_id=slot_id)


@conference_view(DELEGATE, Role.ORGANISER)
def request_detail(request, access, request_id):
    # Its two sides answer it; the organisers read it and its thread.
    item = get_request_to_read(access, request_id)
    return render(request, "b2b_meetings/request_detail.html", request_page_context(access, item))


@require_POST
@conference_view(DELEGATE)
def request_accept(request, access, request_id):
    me = access.registration
    slot_id = _posted_slot_id(request)
    error = _("Please choose one of the times offered.")
    if slot_id is not None:
        # Stand-ins carrying only the ids: the service reads both afresh under
        # its locks and checks that the request is addressed to `me` and the
        # slot is this conference's, so reading them here first would only
        # add queries to the hot path. Whether the slot is still free is the
        # service's call too.
        try:
            meeting = services.request_accept(
                meeting_request=MeetingRequest(pk=request_id),
                responder=me,
                slot=MeetingSlot(pk=slot_id, conference=access.conference),
            )
        except services.B2BError as exc:
            # Shown on the page again, next to the times to choose from.
            error = exc.message
        else:
            if getattr(meeting, "booked_before", False):
                messages.info(request, _("You already meet: this is your meeting together."))
            else:
                messages.success(
                    request, _("Meeting booked. Both of you will get a calendar invitation.")
                )
            return redirect(meeting)
    # Refused: a request that is not `me`'s to answer is a 404, as if it did
    # not exist; otherwise the page again, with why.
    item = get_request(access, request_id)
    if not is_request_recipient(item, me):
        raise Http404
    context = request_page_context(access, item)
    context["error"] = error
    status = 400 if slot_id is None else 409
    return render(request, "b2b_meetings/request_detail.html", context, status=status)


@require_POST
@conference_view(DELEGATE)
def request_accept_to_schedule(request, access, request_id):
    item = get_request(access, request_id, related=False)
    if not is_request_recipient(item, access.registration):
        raise Http404
    form = AcceptToScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a priority from the list."))
        return redirect("b2b_meetings:request", access.conference.slug, item.pk)
    with shown_to_user(request) as outcome:
        services.request_accept_to_schedule(
            meeting_request=item,
            responder=access.registration,
            priority=form.cleaned_data["priority"],
        )
    if outcome.ok:
        messages.success(
            request,
            _(
                "Accepted. The organisers will find a time that suits you both; you will "
                "get a calendar invitation then."
            ),
        )
    return redirect("b2b_meetings:request", access.conference.slug, item.pk)


@require_POST
@conference_view(DELEGATE)
def request_decline(request, access, request_id):
    item = get_request(access, request_id)
    if not is_request_recipient(item, access.registration):
        raise Http404
    form = DeclineForm(request.POST)
    if form.is_valid():
        with shown_to_user(request) as outcome:
            services.request_decline(
                meeting_request=item,
                responder=access.registration,
                reason=form.cleaned_data["reason"],
            )
        if outcome.ok:
            messages.success(request, _("You declined the request; the sender has been told."))
    return redirect("b2b_meetings:requests", access.conference.slug)


@require_POST
@conference_view(DELEGATE)
def request_withdraw(request, access, request_id):
    item = get_request(access, request_id)
    with shown_to_user(request) as outcome:
        services.request_withdraw(meeting_request=item, requester=access.registration)
    if outcome.ok:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("b2b_meetings:requests", access.conference.slug)


# Availability --------------------------------------------------------------------


@conference_view(DELEGATE)
def availability(request, access):
    me = access.registration
    conference = access.conference
    status = 200
    if request.method == "POST":
        form = AvailabilityForm(request.POST, conference=conference)
        if form.is_valid():
            slots = form.cleaned_data["unavailable"]
            services.availability_set(registration=me, unavailable_slot_ids=[s.pk for s in slots])
            messages.success(request, _("Your availability has been saved."))
            return redirect("b2b_meetings:availability", conference.slug)
        # Only a tampered form names a slot that is not one of the conference's.
        for error in form.errors["unavailable"]:
            messages.error(request, error)
        status = 400
    states = selectors.slot_states(conference=conference, registrations=[me])
    context = {
        "conference": conference,
        "days": by_day(states, when=lambda s: s.slot.starts_at),
        "time_zone": conference.time_zone,
    }
    return render(request, "b2b_meetings/availability.html", context, status=status)


# Meetings ------------------------------------------------------------------------


@conference_view(DELEGATE, Role.ORGANISER)
def meeting(request, access, meeting_id):
    item = get_meeting(access, meeting_id)
    return render(request, "b2b_meetings/meeting.html", meeting_page_context(access, item))


@conference_view(DELEGATE, Role.ORGANISER)
def meeting_calendar(request, access, meeting_id):
    item = get_meeting(access, meeting_id)
    participants = [seat.registration for seat in item.seats.all()]
    cancelled = item.status == Meeting.Status.CANCELLED
    # A participant's copy names them as the attendee, as the emailed one does.
    me = next(
        (p for p in participants if access.registration and p.pk == access.registration.pk), None
    )
    ics = services.meeting_ics(item, participants, method=None, cancelled=cancelled, recipient=me)
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{item.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@conference_view(DELEGATE)
def meeting_reschedule(request, access, meeting_id):
    item = get_meeting(access, meeting_id)
    context = meeting_page_context(access, item)
    if not context["can_reschedule"]:
        messages.error(request, _("This meeting cannot be rescheduled."))
        return redirect(item)
    participants = context["participants"]
    slots = selectors.slots_free_for(
        conference=access.conference, registrations=participants, exclude_meeting=item
    )
    slots = [s for s in slots if s.pk != item.slot_id]
    if request.method == "POST":
        slot = _posted_slot(request, access.conference)
        if slot is not None:
            try:
                services.meeting_reschedule(
                    meeting=item,
                    registration=access.registration,
                    slot=slot,
                    seen_sequence=item.sequence,
                )
            except services.MeetingChanged as exc:
                return meeting_changed(request, access, meeting_id, exc)
            except services.B2BError as exc:
                # The page again, with why and the times still free: 409
                # tells scripts it was a clash.
                context.update(error=exc.message, slot_days=by_day(slots))
                return render(request, "b2b_meetings/meeting_reschedule.html", context, status=409)
            messages.success(request, _("Meeting moved. Both of you get an updated invitation."))
            return redirect(item)
    context.update(slot_days=by_day(slots))
    return render(request, "b2b_meetings/meeting_reschedule.html", context)


@require_POST
@conference_view(DELEGATE, Role.ORGANISER)
def meeting_cancel(request, access, meeting_id):
    item = get_meeting(access, meeting_id)
    form = CancelForm(request.POST)
    form.is_valid()
    me = access.registration
    seated = is_seated(access, item)
    with shown_to_user(request) as outcome:
        try:
            services.meeting_cancel(
                meeting=item,
                actor=request.user,
                registration=me if seated else None,
                reason=form.cleaned_data.get("reason", ""),
                seen_sequence=item.sequence,
            )
        except services.MeetingChanged as exc:
            return meeting_changed(request, access, meeting_id, exc)
    if outcome.ok:
        messages.success(request, _("The meeting is cancelled; the other side has been told."))
    return redirect(item)


@require_POST
@conference_view(DELEGATE)
def meeting_feedback(request, access, meeting_id):
    item = get_meeting(access, meeting_id)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        with shown_to_user(request) as outcome:
            services.feedback_submit(
                meeting=item,
                registration=access.registration,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        if outcome.ok:
            messages.success(request, _("Thank you: your feedback went to the organisers only."))
        return redirect(item)
    context = meeting_page_context(access, item, feedback_form=form)
    return render(request, "b2b_meetings/meeting.html", context, status=400)
