"""
The organisers' B2B pages: the grid, booking and moving meetings (with
warnings they may override), setup (settings, slots, tables), stats and
feedback. Organisers only.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b2b_meetings import selectors, services
from b2b_meetings.forms import (
    B2BSettingsForm,
    MeetingCreateForm,
    MeetingMoveForm,
    TableBulkForm,
    TableForm,
)
from b2b_meetings.models import Meeting, MeetingFeedback
from b2b_meetings.views.shared import by_day, get_meeting, meeting_changed
from conference.core.errors import shown_to_user
from conference.core.models import Role
from conference.core.permissions import conference_view


@conference_view(Role.ORGANISER)
def manage_grid(request, access):
    conference = access.conference
    grid = selectors.organiser_grid(conference=conference)
    context = {
        "conference": conference,
        "grid": grid,
        "days": by_day(grid.rows, when=lambda row: row[0].starts_at),
        "time_zone": conference.time_zone,
        "tab": "grid",
    }
    return render(request, "b2b_meetings/manage_grid.html", context)


# Booking and moving ----------------------------------------------------------------


def _place_kwargs(conference):
    slots, tables = selectors.booking_places(conference=conference)
    return {"conference": conference, "slots": slots, "tables": tables}


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
                # Shown in the form, with the problems found before saving.
                errors = [exc.message]
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
    item = get_meeting(access, meeting_id)
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
                return meeting_changed(request, access, meeting_id, exc)
            except services.B2BError as exc:
                # Shown in the form, with the problems found before saving.
                errors = [exc.message]
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
    item = get_meeting(access, meeting_id)
    locked = request.POST.get("locked") == "1"
    try:
        services.meeting_lock(meeting=item, locked=locked, actor=request.user)
    except services.MeetingChanged as exc:
        return meeting_changed(request, access, meeting_id, exc)
    messages.success(
        request,
        _("Meeting locked: participants can no longer move it.")
        if locked
        else _("Meeting unlocked."),
    )
    if request.POST.get("next") == "grid":
        return redirect("b2b_meetings:manage", access.conference.slug)
    return redirect(item)


# Setup ---------------------------------------------------------------------------


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
    setup = selectors.b2b_setup(conference=conference)
    context = {
        "conference": conference,
        "form": form,
        "slot_days": by_day(setup.slots),
        "slot_count": len(setup.slots),
        "blocks": setup.blocks,
        "tables": setup.tables,
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
    with shown_to_user(request) as outcome:
        created, skipped = services.tables_create(
            conference=conference,
            room=form.cleaned_data["room"],
            labels=labels,
            seats=form.cleaned_data["seats"],
            actor=request.user,
        )
    if outcome.ok:
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
    table = selectors.table_for_conference(conference=access.conference, table_id=table_id)
    if table is None:
        raise Http404
    services.table_set_active(table=table, is_active=not table.is_active, actor=request.user)
    return redirect("b2b_meetings:manage_setup", access.conference.slug)


# Stats and feedback ----------------------------------------------------------------


@conference_view(Role.ORGANISER)
def manage_stats(request, access):
    conference = access.conference
    stats = selectors.b2b_stats(conference=conference)
    context = {
        "conference": conference,
        "stats": stats,
        "slot_days": by_day(stats["slots"]),
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
