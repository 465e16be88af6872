"""
The organiser's "Schedule pending meetings" pages: options and start (or a
repair after cancellations), a run's progress (polled by htmx) with a
cancel button, then its preview with commit and discard, and the proposal
as CSV. Organisers only; a run of another conference is a 404.
"""

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from b2b_meetings.scheduler import selectors, services
from b2b_meetings.scheduler.forms import ScheduleForm
from b2b_meetings.views.shared import by_day
from conference.core.errors import shown_to_user
from conference.core.models import Job, Role
from conference.core.permissions import conference_view
from conference.core.services import audit_message, audit_record

# A spreadsheet reads a cell starting with one of these as a formula (or, for
# tab and CR, mangles it): names and organisations are typed by delegates.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _run(access, job_id):
    job = selectors.run_for_access(access=access, job_id=job_id)
    if job is None:
        raise Http404
    return job


@conference_view(Role.ORGANISER)
def schedule(request, access):
    conference = access.conference
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with shown_to_user(request) as outcome:
            job = services.schedule_start(
                conference=conference, actor=request.user, **form.cleaned_data
            )
        if outcome.ok:
            return redirect("b2b_meetings:scheduler:run", conference.slug, job.pk)
    context = {
        "conference": conference,
        "form": form,
        "overview": selectors.overview(conference=conference),
        "active": selectors.active_run(conference=conference),
        "runs": selectors.latest_runs(conference=conference),
        "tab": "schedule",
    }
    return render(request, "b2b_meetings/scheduler/schedule.html", context)


@conference_view(Role.ORGANISER)
def run(request, access, job_id):
    job = _run(access, job_id)
    finished = job.status not in (Job.Status.QUEUED, Job.Status.RUNNING)
    saving = job.result.get("state") == "committing"
    if request.htmx:
        if finished and not saving:
            # The whole page changes (preview, buttons): reload it.
            return HttpResponseClientRefresh()
        template = "_saving.html" if saving else "_progress.html"
        return render(request, f"b2b_meetings/scheduler/{template}", {"job": job})
    preview = (
        selectors.preview(conference=access.conference, job=job)
        if job.status == Job.Status.DONE and job.result.get("placements") is not None
        else None
    )
    context = {
        "conference": access.conference,
        "job": job,
        "finished": finished,
        "preview": preview,
        "days": by_day(preview.rows, when=lambda row: row[0].starts_at) if preview else [],
        "state": job.result.get("state"),
        "commit_error": job.result.get("commit_error"),
        "time_zone": access.conference.time_zone,
        "tab": "schedule",
    }
    return render(request, "b2b_meetings/scheduler/run.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def cancel(request, access, job_id):
    job = _run(access, job_id)
    with shown_to_user(request):
        services.schedule_cancel(job=job, actor=request.user)
    return redirect("b2b_meetings:scheduler:run", access.conference.slug, job.pk)


@require_POST
@conference_view(Role.ORGANISER)
def commit(request, access, job_id):
    job = _run(access, job_id)
    with shown_to_user(request):
        services.schedule_commit_request(job=job, actor=request.user)
    return redirect("b2b_meetings:scheduler:run", access.conference.slug, job.pk)


@require_POST
@conference_view(Role.ORGANISER)
def discard(request, access, job_id):
    job = _run(access, job_id)
    with shown_to_user(request) as outcome:
        services.schedule_discard(job=job, actor=request.user)
    if outcome.ok:
        messages.info(request, _("The preview was discarded; nothing was saved."))
    return redirect("b2b_meetings:scheduler:schedule", access.conference.slug)


def spreadsheet_safe(value):
    """`value` as text, with a leading apostrophe if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _people(people, *, fallback=""):
    """[name, organisation, the others' names, their organisations]: four CSV cells."""
    names = [p.user.display_name for p in people]
    organisations = [p.organisation.name if p.organisation else "" for p in people]
    first = [names[0], organisations[0]] if people else ["", ""]
    if len(people) < 2:
        return [*first, "", fallback]
    return [*first, ", ".join(names[1:]), ", ".join(filter(None, organisations[1:]))]


def _proposal_rows(preview, time_zone):
    """The proposal's rows: new and moved meetings by time, then the wishes that do not fit."""
    for p in preview.proposed:
        start, end = timezone.localtime(p.slot.starts_at), timezone.localtime(p.slot.ends_at)
        moved_from = ""
        if p.moves and p.from_slot:
            moved_from = f"{timezone.localtime(p.from_slot.starts_at):%Y-%m-%d %H:%M}"
            if p.from_table:
                moved_from += ", " + _("table %(table)s") % {"table": p.from_table.label}
        yield [
            _("Moves") if p.moves else _("New"),
            f"{start:%Y-%m-%d}",
            f"{start:%H:%M}",
            f"{end:%H:%M}",
            time_zone,
            p.table.label if p.table else "",
            str(p.table.room.name) if p.table else "",
            *_people(p.people),
            "" if p.moves else p.request.get_priority_display(),
            moved_from,
            "",
        ]
    for request, people, reason in preview.unscheduled:
        target = str(request.target_organisation or "")
        yield [
            _("Does not fit"),
            *[""] * 6,
            *_people(people, fallback=target),
            request.get_priority_display(),
            "",
            capfirst(str(reason)),
        ]


@conference_view(Role.ORGANISER)
def proposal_csv(request, access, job_id):
    """The run's proposal as a CSV file: every new and moved meeting, and every wish left out."""
    conference = access.conference
    job = _run(access, job_id)
    if job.status != Job.Status.DONE:
        raise Http404
    preview = selectors.preview(conference=conference, job=job, shown=None)
    headers = [
        _("Change"),
        _("Date"),
        _("Starts"),
        _("Ends"),
        _("Time zone"),
        _("Table"),
        _("Room"),
        pgettext("a column of the proposal's CSV", "Person"),
        _("Organisation"),
        _("Meets"),
        _("Their organisation"),
        _("Wish"),
        _("Moves from"),
        _("Why it does not fit"),
    ]
    rows = list(_proposal_rows(preview, conference.time_zone))
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheets read the UTF-8 (Japanese names)
    writer = csv.writer(buffer)
    for row in [headers, *rows]:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    audit_record(
        actor=request.user,
        conference=conference,
        action="b2b.schedule.export",
        obj=job,
        summary=audit_message(
            gettext_noop("Scheduler run %(n)s proposal (CSV), %(rows)s rows"),
            n=job.pk,
            rows=len(rows),
        ),
        data={"format": "csv", "rows": len(rows)},
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{conference.slug}-schedule-run-{job.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
