"""
Pages of the B2B meetings: the directory, requests, availability and
meetings for delegates; the grid, setup, stats and feedback for organisers.

Views parse, authorise (through `conference_view` and the scoped
selectors), call one service and render. Anything a person may not see is a
404, never a 403 that would confirm it exists.
"""

import itertools

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_countries import countries as country_names
from django_htmx.http import HttpResponseClientRefresh

from b2b_meetings import selectors, services
from b2b_meetings.forms import (
    AvailabilityForm,
    B2BSettingsForm,
    CancelForm,
    DeclineForm,
    DirectoryFilterForm,
    FeedbackForm,
    MeetingCreateForm,
    MeetingMoveForm,
    MeetingRequestForm,
    TableBulkForm,
    TableForm,
)
from b2b_meetings.models import Meeting, MeetingFeedback, MeetingRequest, MeetingSlot, Table
from b2b_meetings.rules import is_request_recipient
from conference.core.forms import parse_id
from conference.core.models import Role
from conference.core.permissions import DELEGATE, conference_view
from sessions_app.models import Session

DIRECTORY_PAGE_SIZE = 24


def _by_day(items, when=lambda item: item.starts_at):
    """[(local date, [items])] for items sorted by time (the conference zone is active)."""
    return [
        (day, list(group))
        for day, group in itertools.groupby(items, key=lambda i: timezone.localtime(when(i)).date())
    ]


def _conflict(request, template, context):
    """Re-render a form page after a refused action: 409 tells scripts it was a clash."""
    return render(request, template, context, status=409)


def _meeting_changed(request, access, meeting_id, exc):
    """
    A change refused because someone else changed the meeting first (409).
    A plain post gets the meeting's page as it is now, with the message; an
    htmx request is told to reload the page, which then shows the message.
    """
    messages.error(request, str(exc))
    if request.htmx:
        response = HttpResponseClientRefresh()
        response.status_code = 409
        return response
    item = _get_meeting(access, meeting_id)
    return render(request, "b2b_meetings/meeting.html", _meeting_context(access, item), status=409)


# Directory -----------------------------------------------------------------------


@conference_view(DELEGATE, Role.ORGANISER)
def directory(request, access):
    conference = access.conference
    countries = selectors.directory_countries(conference=conference)
    form = DirectoryFilterForm(
        request.GET or None,
        countries=[(code, country_names.name(code)) for code in countries],
    )
    filters = form.cleaned_data if form.is_valid() else {}
    organisations = selectors.directory_organisations(
        conference=conference,
        kind=filters.get("kind", ""),
        country=filters.get("country", ""),
        q=filters.get("q", ""),
    )
    page = Paginator(organisations, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    me = access.registration if access.is_delegate else None
    _people, pending_orgs = (
        selectors.pending_request_targets(registration=me) if me else (set(), set())
    )
    for organisation in page:
        organisation.can_request = selectors.can_request(
            conference=conference, requester=me, organisation=organisation
        )
        organisation.pending = organisation.pk in pending_orgs
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "conference": conference,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "me": me,
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
    context = {
        "conference": conference,
        "organisation": org,
        "delegates": delegates,
        "me": me,
        "can_request": selectors.can_request(conference=conference, requester=me, organisation=org),
        "org_pending": org.pk in pending_orgs,
    }
    return render(request, "b2b_meetings/organisation.html", context)


# Requests ------------------------------------------------------------------------


def _request_new(request, access, *, target_registration=None, target_organisation=None):
    conference = access.conference
    me = access.registration
    organisation = (
        target_organisation if target_organisation is not None else target_registration.organisation
    )
    form = MeetingRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_create(
                conference=conference,
                requester=me,
                target_registration=target_registration,
                target_organisation=target_organisation,
                agenda=form.cleaned_data["agenda"],
                priority=form.cleaned_data["priority"],
            )
        except services.B2BError as exc:
            form.add_error(None, str(exc))
        else:
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
        item.my_meeting = by_request.get(item.pk)
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


def _request_page(request, access, meeting_request):
    me = access.registration
    is_recipient = is_request_recipient(meeting_request, me)
    now = timezone.now()
    is_open = meeting_request.status == MeetingRequest.Status.PENDING and (
        meeting_request.expires_at is None or meeting_request.expires_at > now
    )
    slots = []
    if is_recipient and is_open:
        slots = selectors.slots_free_for(
            conference=access.conference, registrations=[meeting_request.requester, me]
        )
    context = {
        "conference": access.conference,
        "me": me,
        "item": meeting_request,
        "is_recipient": is_recipient,
        "is_requester": meeting_request.requester_id == me.pk,
        "is_open": is_open,
        "slot_days": _by_day(slots),
        "decline_form": DeclineForm(),
        "meeting": selectors.meeting_for_request(request=meeting_request, registration=me),
        "time_zone": access.conference.time_zone,
    }
    return context


def _posted_slot_id(request):
    """The slot id named in the POST, or None."""
    return parse_id(request.POST.get("slot"))


def _posted_slot(request, conference):
    """The conference's slot named in the POST, or None."""
    slot_id = _posted_slot_id(request)
    if slot_id is None:
        return None
    return MeetingSlot.objects.filter(conference=conference, pk=slot_id).first()


def _get_request(access, request_id, related=True):
    item = selectors.request_for_registration(
        registration=access.registration, request_id=request_id, related=related
    )
    if item is None:
        raise Http404
    return item


@conference_view(DELEGATE)
def request_detail(request, access, request_id):
    item = _get_request(access, request_id)
    return render(request, "b2b_meetings/request_detail.html", _request_page(request, access, item))


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
                request=MeetingRequest(pk=request_id),
                responder=me,
                slot=MeetingSlot(pk=slot_id, conference=access.conference),
            )
        except services.B2BError as exc:
            error = str(exc)
        else:
            messages.success(
                request, _("Meeting booked. Both of you will get a calendar invitation.")
            )
            return redirect(meeting)
    # Refused: a request that is not `me`'s to answer is a 404, as if it did
    # not exist; otherwise the page again, with why.
    item = _get_request(access, request_id)
    if not is_request_recipient(item, me):
        raise Http404
    context = _request_page(request, access, item)
    context["error"] = error
    status = 400 if slot_id is None else 409
    return render(request, "b2b_meetings/request_detail.html", context, status=status)


@require_POST
@conference_view(DELEGATE)
def request_decline(request, access, request_id):
    item = _get_request(access, request_id)
    if not is_request_recipient(item, access.registration):
        raise Http404
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.request_decline(
                request=item, responder=access.registration, reason=form.cleaned_data["reason"]
            )
        except services.B2BError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("You declined the request; the sender has been told."))
    return redirect("b2b_meetings:requests", access.conference.slug)


@require_POST
@conference_view(DELEGATE)
def request_withdraw(request, access, request_id):
    item = _get_request(access, request_id)
    try:
        services.request_withdraw(request=item, requester=access.registration)
    except services.B2BError as exc:
        messages.error(request, str(exc))
    else:
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
        "days": _by_day(states, when=lambda s: s.slot.starts_at),
        "time_zone": conference.time_zone,
    }
    return render(request, "b2b_meetings/availability.html", context, status=status)


# Meetings ------------------------------------------------------------------------


def _get_meeting(access, meeting_id):
    meeting = selectors.meeting_for_access(access=access, meeting_id=meeting_id)
    if meeting is None:
        raise Http404
    meeting.conference = access.conference
    return meeting


def _meeting_context(access, meeting, **extra):
    participants = [seat.registration for seat in meeting.seats.all()]
    me = access.registration
    is_participant = me is not None and any(p.pk == me.pk for p in participants)
    active = meeting.status == Meeting.Status.ACTIVE
    started = meeting.slot.starts_at <= timezone.now()
    feedback = selectors.meeting_feedback_visible(access=access, meeting=meeting)
    own_feedback = next((f for f in feedback if me and f.registration_id == me.pk), None)
    context = {
        "conference": access.conference,
        "meeting": meeting,
        "participants": participants,
        "is_participant": is_participant,
        "can_reschedule": is_participant and active and not meeting.locked and not started,
        "can_cancel": (is_participant or access.is_organiser) and active,
        "can_feedback": is_participant and active and started,
        "feedback": feedback,
        "feedback_form": FeedbackForm(
            initial={"outcome": own_feedback.outcome, "note": own_feedback.note}
            if own_feedback
            else None
        ),
        "own_feedback": own_feedback,
        "cancel_form": CancelForm(),
        "time_zone": access.conference.time_zone,
    }
    context.update(extra)
    return context


@conference_view(DELEGATE, Role.ORGANISER)
def meeting(request, access, meeting_id):
    item = _get_meeting(access, meeting_id)
    return render(request, "b2b_meetings/meeting.html", _meeting_context(access, item))


@conference_view(DELEGATE, Role.ORGANISER)
def meeting_calendar(request, access, meeting_id):
    item = _get_meeting(access, meeting_id)
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
    item = _get_meeting(access, meeting_id)
    context = _meeting_context(access, item)
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
                return _meeting_changed(request, access, meeting_id, exc)
            except services.B2BError as exc:
                context.update(error=str(exc), slot_days=_by_day(slots))
                return _conflict(request, "b2b_meetings/meeting_reschedule.html", context)
            messages.success(request, _("Meeting moved. Both of you get an updated invitation."))
            return redirect(item)
    context.update(slot_days=_by_day(slots))
    return render(request, "b2b_meetings/meeting_reschedule.html", context)


@require_POST
@conference_view(DELEGATE, Role.ORGANISER)
def meeting_cancel(request, access, meeting_id):
    item = _get_meeting(access, meeting_id)
    form = CancelForm(request.POST)
    form.is_valid()
    me = access.registration
    seated = me is not None and item.seats.filter(registration=me).exists()
    try:
        services.meeting_cancel(
            meeting=item,
            actor=request.user,
            registration=me if seated else None,
            reason=form.cleaned_data.get("reason", ""),
            seen_sequence=item.sequence,
        )
    except services.MeetingChanged as exc:
        return _meeting_changed(request, access, meeting_id, exc)
    except services.B2BError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The meeting is cancelled; the other side has been told."))
    return redirect(item)


@require_POST
@conference_view(DELEGATE)
def meeting_feedback(request, access, meeting_id):
    item = _get_meeting(access, meeting_id)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_submit(
                meeting=item,
                registration=access.registration,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except services.B2BError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you: your feedback went to the organisers only."))
        return redirect(item)
    context = _meeting_context(access, item, feedback_form=form)
    return render(request, "b2b_meetings/meeting.html", context, status=400)


# Organisers ----------------------------------------------------------------------


@conference_view(Role.ORGANISER)
def manage_grid(request, access):
    conference = access.conference
    grid = selectors.organiser_grid(conference=conference)
    context = {
        "conference": conference,
        "grid": grid,
        "days": _by_day(grid.rows, when=lambda row: row[0].starts_at),
        "time_zone": conference.time_zone,
        "tab": "grid",
    }
    return render(request, "b2b_meetings/manage_grid.html", context)


def _place_kwargs(conference):
    return {
        "conference": conference,
        "slots": MeetingSlot.objects.filter(conference=conference).order_by("starts_at"),
        "tables": Table.objects.filter(conference=conference, is_active=True)
        .select_related("room")
        .order_by("room__position", "room__name", "label"),
    }


def _offer_confirm(form, warnings):
    """The "book anyway" box only makes sense next to warnings."""
    if not warnings:
        form.fields["confirm"].widget = forms.HiddenInput()


@conference_view(Role.ORGANISER)
def manage_meeting_new(request, access):
    conference = access.conference
    kwargs = {
        **_place_kwargs(conference),
        "delegates": selectors.delegates_for_booking(conference=conference),
    }
    form = MeetingCreateForm(
        request.POST or None,
        initial={"slot": request.GET.get("slot"), "table": request.GET.get("table")},
        **kwargs,
    )
    errors, warnings = [], []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = [data["first"], data["second"]]
        errors, warnings = selectors.booking_problems(
            conference=conference, slot=data["slot"], table=data["table"], registrations=people
        )
        if not errors and (not warnings or data["confirm"]):
            try:
                item = services.meeting_create(
                    conference=conference,
                    slot=data["slot"],
                    table=data["table"],
                    registrations=people,
                    actor=request.user,
                    note=data["note"],
                )
            except services.B2BError as exc:
                errors = [str(exc)]
            else:
                messages.success(request, _("Meeting booked; both delegates have been emailed."))
                return redirect(item)
    _offer_confirm(form, warnings)
    context = {
        "conference": conference,
        "form": form,
        "errors": errors,
        "warnings": warnings,
        "tab": "grid",
    }
    status = 409 if errors else (400 if form.errors else 200)
    return render(request, "b2b_meetings/manage_meeting_form.html", context, status=status)


@conference_view(Role.ORGANISER)
def manage_meeting_move(request, access, meeting_id):
    conference = access.conference
    item = _get_meeting(access, meeting_id)
    if item.status != Meeting.Status.ACTIVE:
        raise Http404
    participants = [seat.registration for seat in item.seats.all()]
    source = request.POST if request.method == "POST" else request.GET
    form = MeetingMoveForm(
        source if ("slot" in source or "table" in source) else None,
        initial={"slot": item.slot_id, "table": item.table_id},
        **_place_kwargs(conference),
    )
    errors, warnings = [], []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        errors, warnings = selectors.booking_problems(
            conference=conference,
            slot=data["slot"],
            table=data["table"],
            registrations=participants,
            exclude_meeting=item,
        )
        if data["slot"] == item.slot and data["table"] == item.table:
            errors.append(_("The meeting is already there."))
        if request.method == "POST" and not errors and (not warnings or data["confirm"]):
            try:
                services.meeting_move(
                    meeting=item,
                    slot=data["slot"],
                    table=data["table"],
                    actor=request.user,
                    seen_sequence=item.sequence,
                )
            except services.MeetingChanged as exc:
                return _meeting_changed(request, access, meeting_id, exc)
            except services.B2BError as exc:
                errors = [str(exc)]
            else:
                messages.success(request, _("Meeting moved; both participants have been emailed."))
                return redirect("b2b_meetings:manage", conference.slug)
    _offer_confirm(form, warnings)
    context = {
        "conference": conference,
        "form": form,
        "meeting": item,
        "participants": participants,
        "errors": errors,
        "warnings": warnings,
        "tab": "grid",
    }
    status = 409 if (errors and request.method == "POST") else 200
    return render(request, "b2b_meetings/manage_meeting_form.html", context, status=status)


@require_POST
@conference_view(Role.ORGANISER)
def manage_meeting_lock(request, access, meeting_id):
    item = _get_meeting(access, meeting_id)
    locked = request.POST.get("locked") == "1"
    try:
        services.meeting_lock(meeting=item, locked=locked, actor=request.user)
    except services.MeetingChanged as exc:
        return _meeting_changed(request, access, meeting_id, exc)
    messages.success(
        request,
        _("Meeting locked: participants can no longer move it.")
        if locked
        else _("Meeting unlocked."),
    )
    if request.POST.get("next") == "grid":
        return redirect("b2b_meetings:manage", access.conference.slug)
    return redirect(item)


@conference_view(Role.ORGANISER)
def manage_setup(request, access):
    conference = access.conference
    form = B2BSettingsForm(request.POST or None, instance=conference)
    if request.method == "POST" and form.is_valid():
        services.b2b_settings_update(
            conference=conference, actor=request.user, **form.settings_values()
        )
        messages.success(request, _("B2B settings saved."))
        return redirect("b2b_meetings:manage_setup", conference.slug)
    slots = list(
        MeetingSlot.objects.filter(conference=conference)
        .select_related("block")
        .order_by("starts_at")
    )
    blocks = Session.objects.filter(
        conference=conference, kind=Session.Kind.B2B_BLOCK, is_cancelled=False
    ).order_by("starts_at")
    tables = Table.objects.filter(conference=conference).select_related("room")
    context = {
        "conference": conference,
        "form": form,
        "slot_days": _by_day(slots),
        "slot_count": len(slots),
        "blocks": blocks,
        "tables": tables,
        "table_form": TableForm(conference=conference, prefix="one"),
        "bulk_form": TableBulkForm(conference=conference, prefix="bulk"),
        "time_zone": conference.time_zone,
        "tab": "setup",
    }
    return render(
        request, "b2b_meetings/manage_setup.html", context, status=400 if form.errors else 200
    )


@require_POST
@conference_view(Role.ORGANISER)
def manage_slots(request, access):
    conference = access.conference
    if request.POST.get("action") == "delete_unused":
        count = services.slots_delete_unused(conference=conference, actor=request.user)
        messages.success(request, _("%(n)s unused slots deleted.") % {"n": count})
    else:
        count = services.slots_generate(conference=conference, actor=request.user)
        messages.success(request, _("%(n)s new slots created.") % {"n": count})
    return redirect("b2b_meetings:manage_setup", conference.slug)


@require_POST
@conference_view(Role.ORGANISER)
def manage_tables_add(request, access):
    conference = access.conference
    bulk = request.POST.get("mode") == "bulk"
    form = (
        TableBulkForm(request.POST, conference=conference, prefix="bulk")
        if bulk
        else TableForm(request.POST, conference=conference, prefix="one")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("b2b_meetings:manage_setup", conference.slug)
    labels = form.labels() if bulk else [form.cleaned_data["label"]]
    try:
        created, skipped = services.tables_create(
            conference=conference,
            room=form.cleaned_data["room"],
            labels=labels,
            seats=form.cleaned_data["seats"],
            actor=request.user,
        )
    except services.B2BError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)s tables added.") % {"n": created})
        if skipped:
            messages.warning(
                request,
                _("Labels already in use, skipped: %(labels)s") % {"labels": ", ".join(skipped)},
            )
    return redirect("b2b_meetings:manage_setup", conference.slug)


@require_POST
@conference_view(Role.ORGANISER)
def manage_table_toggle(request, access, table_id):
    table = get_object_or_404(Table, pk=table_id, conference=access.conference)
    services.table_set_active(table=table, is_active=not table.is_active, actor=request.user)
    return redirect("b2b_meetings:manage_setup", access.conference.slug)


@conference_view(Role.ORGANISER)
def manage_stats(request, access):
    conference = access.conference
    stats = selectors.b2b_stats(conference=conference)
    stats["without_list"] = list(stats["without"][:200])
    context = {
        "conference": conference,
        "stats": stats,
        "slot_days": _by_day(stats["slots"]),
        "time_zone": conference.time_zone,
        "tab": "stats",
    }
    return render(request, "b2b_meetings/manage_stats.html", context)


@conference_view(Role.ORGANISER)
def manage_feedback(request, access):
    conference = access.conference
    feedback, outcomes = selectors.feedback_report(conference=conference)
    context = {
        "conference": conference,
        "feedback": feedback,
        "outcomes": [(MeetingFeedback.Outcome(v).label, n) for v, n in outcomes.items()],
        "time_zone": conference.time_zone,
        "tab": "feedback",
    }
    return render(request, "b2b_meetings/manage_feedback.html", context)
