"""
The organiser's "Schedule pending meetings" pages: options and start, a
run's progress (polled by htmx) with a cancel button, then its preview
with commit and discard. Organisers only; a run of another conference is
a 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from b2b_meetings.scheduler import selectors, services
from b2b_meetings.scheduler.forms import ScheduleForm
from conference.core.errors import shown_to_user
from conference.core.models import Job, Role
from conference.core.permissions import conference_view


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
    context = {
        "conference": access.conference,
        "job": job,
        "finished": finished,
        "preview": (
            selectors.preview(job=job)
            if job.status == Job.Status.DONE and job.result.get("placements") is not None
            else None
        ),
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
