"""
The organisers' exports: the exports page and its row count, attendee lists
(CSV, XLSX, PDF), badges, any organisation's B2B schedule, and presets.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conference.core.errors import shown_to_user
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.portal import exports
from conference.portal.exports import jobs
from conference.portal.forms import BadgeForm, ExportForm, PresetForm, chooser_choices
from conference.portal.views.downloads import (
    bad_request,
    csv_download,
    file_download,
    meetings_download,
)

DEFAULT_PAGE_PARAMS = exports.ExportParams(status=["approved"])


def _query_string(params):
    return urlencode(params.as_query(), doseq=True)


def _params_from(data, conference, roles, choices=None):
    """
    ExportParams from a preset's stored params, dropping what no longer
    validates: a column no longer offered (a deleted question, or one `roles`
    may not read) is left out, the other columns stay.
    """
    choices = choices or chooser_choices(conference, roles)
    query = QueryDict(mutable=True)
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        if key == "columns":
            offered = choices[2]
            values = [
                part for item in values for part in str(item).split(",") if part.strip() in offered
            ]
        query.setlist(key, [str(v) for v in values])
    form = ExportForm(query, conference=conference, choices=choices)
    if not form.is_valid():
        for name in form.errors:
            query.pop(name, None)
        form = ExportForm(query, conference=conference, choices=choices)
        form.is_valid()
    return form.params()


# The exports page ---------------------------------------------------------------------------


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def exports_page(request, access):
    conference = access.conference
    choices = chooser_choices(conference, access.roles)
    if request.GET:
        # `columns=a,b` (preset links, the redirects here) ticks each column's box.
        data = request.GET.copy()
        data.setlist(
            "columns",
            [part for item in data.getlist("columns") for part in item.split(",") if part.strip()],
        )
        form = ExportForm(data, conference=conference, choices=choices)
        params = form.params() if form.is_valid() else DEFAULT_PAGE_PARAMS
    else:
        form = ExportForm(initial=vars(DEFAULT_PAGE_PARAMS), conference=conference, choices=choices)
        params = DEFAULT_PAGE_PARAMS
    presets = [
        (preset, _query_string(_params_from(preset.params, conference, access.roles, choices)))
        for preset in exports.preset_list(conference=conference)
    ]
    count = exports.attendee_count(conference=conference, params=params)
    context = {
        "conference": conference,
        "form": form,
        "query": _query_string(params),
        "count": count,
        "presets": presets,
        "organisations": exports.organisations_with_meetings(conference=conference),
        "badge_sheets": BadgeForm.base_fields["sheet"].choices,
        "prepare": _prepare_offer(request, conference, params, count, choices),
        "jobs": jobs.export_jobs_recent(conference=conference),
        "file_hours": settings.EXPORT_FILE_HOURS,
    }
    return render(request, "conference/exports.html", context)


PREPARE_LABELS = {
    "xlsx": _lazy("Attendee list, Excel (XLSX)"),
    "pdf": _lazy("Attendee list, PDF"),
    "badges": _lazy("Badges (PDF)"),
}


def _prepare_offer(request, conference, params, count, choices):
    """
    The "Prepare in the background" form the page shows when asked with
    `?prepare=xlsx|pdf|badges` (the chooser's button, or a download that was
    too large to build in the request): the format, its row count and the
    validated choices as hidden fields. None when not asked.
    """
    fmt = request.GET.get("prepare")
    if fmt not in jobs.PREPARED_FORMATS:
        return None
    query = params.as_query()
    if fmt == "badges":
        form = BadgeForm(request.GET, conference=conference, choices=choices)
        sheet = (form.is_valid() and form.cleaned_data["sheet"]) or "a4"
        query["sheet"] = sheet
        count = jobs.badge_count(conference=conference, params=params)
    fields = [
        (key, item)
        for key, value in query.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    return {"format": fmt, "label": PREPARE_LABELS[fmt], "count": count, "fields": fields}


def _too_large(request, conference, fmt, count):
    """
    The answer to a synchronous download above EXPORT_INLINE_MAX_ROWS: back to
    the exports page with the same choices and the background form ready.
    """
    messages.warning(
        request,
        _(
            "This export has %(count)s rows, more than can be prepared while you wait "
            "(%(limit)s). Prepare it in the background instead: it appears under "
            "“Recent files” when ready."
        )
        % {"count": count, "limit": settings.EXPORT_INLINE_MAX_ROWS},
    )
    query = request.GET.copy()
    query["prepare"] = fmt
    return redirect(f"{reverse('conference:exports', args=[conference.slug])}?{query.urlencode()}")


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def exports_count(request, access):
    """The number of rows the chosen filters give (htmx, as the organiser changes them)."""
    form = ExportForm(request.GET, conference=access.conference, roles=access.roles)
    if not form.is_valid():
        return bad_request(form)
    params = form.params()
    context = {
        "count": exports.attendee_count(conference=access.conference, params=params),
        "query": _query_string(params),
        "conference": access.conference,
    }
    return render(request, "conference/_exports_count.html", context)


# Downloads ------------------------------------------------------------------------------------


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def attendees_export(request, access, fmt):
    """The attendee list as CSV (streamed), XLSX or PDF, for the query string's choices."""
    conference = access.conference
    form = ExportForm(request.GET, conference=conference, roles=access.roles)
    if not form.is_valid():
        return bad_request(form)
    params = form.params()
    table = exports.attendee_table(conference=conference, params=params, registry=form.registry)
    if fmt != "csv" and table.count > settings.EXPORT_INLINE_MAX_ROWS:
        return _too_large(request, conference, fmt, table.count)
    exports.export_record(
        conference=conference,
        actor=request.user,
        action=exports.EXPORT_ATTENDEES,
        fmt=fmt,
        rows=table.count,
        filters=params.filters(),
        extra={"columns": params.columns, "layout": params.layout, "order": params.order},
    )
    if fmt == "csv":
        return csv_download(table, conference=conference, what="attendees")
    file, _rows = jobs.attendee_file(
        conference=conference, params=params, table=table, fmt=fmt, actor=request.user
    )
    return file_download(file, conference=conference, what="attendees", extension=fmt)


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def badges_export(request, access):
    """Badges for the query string's filters (approved delegates unless a status is given)."""
    conference = access.conference
    form = BadgeForm(request.GET, conference=conference, roles=access.roles)
    if not form.is_valid():
        return bad_request(form)
    params = form.params()
    count = jobs.badge_count(conference=conference, params=params)
    if count > settings.EXPORT_INLINE_MAX_ROWS:
        return _too_large(request, conference, "badges", count)
    sheet = form.cleaned_data["sheet"] or "a4"
    exports.export_record(
        conference=conference,
        actor=request.user,
        action=exports.EXPORT_BADGES,
        fmt="pdf",
        rows=count,
        filters=jobs.badge_params(params).filters(),
        extra={"sheet": sheet},
    )
    file, _count = jobs.badges_file(conference=conference, params=params, sheet=sheet)
    return file_download(file, conference=conference, what="badges", extension="pdf")


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def meetings_export(request, access, organisation_id, fmt):
    """The B2B meeting schedule of any organisation with delegates at the conference."""
    organisation = exports.organisation_for_schedule(
        conference=access.conference, organisation_id=organisation_id
    )
    if organisation is None:
        raise Http404
    return meetings_download(request, access, organisation, fmt)


# Presets ---------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def preset_edit(request, access, preset_id=None):
    conference = access.conference
    preset = None
    if preset_id is not None:
        preset = exports.preset_get(conference=conference, preset_id=preset_id)
    if request.method == "POST":
        form = PresetForm(request.POST, conference=conference, preset=preset, roles=access.roles)
        if form.is_valid():
            with shown_to_user(request) as outcome:
                preset = exports.preset_save(
                    conference=conference,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    audience=form.cleaned_data["audience"],
                    params=form.params().as_query(),
                    preset=preset,
                )
            if outcome.ok:
                messages.success(request, _("Preset “%(name)s” saved.") % {"name": preset.name})
                return redirect("conference:exports", conference.slug)
    else:
        if preset is not None:
            params = _params_from(preset.params, conference, access.roles)
            initial = {**vars(params), "name": preset.name, "audience": preset.audience}
        else:
            chooser = ExportForm(request.GET, conference=conference, roles=access.roles)
            valid = request.GET and chooser.is_valid()
            params = chooser.params() if valid else DEFAULT_PAGE_PARAMS
            initial = vars(params)
        form = PresetForm(initial=initial, conference=conference, preset=preset, roles=access.roles)
    context = {"conference": conference, "form": form, "preset": preset}
    return render(request, "conference/exports_preset.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def preset_delete(request, access, preset_id):
    preset = exports.preset_get(conference=access.conference, preset_id=preset_id)
    exports.preset_delete(preset=preset, actor=request.user)
    messages.success(request, _("Preset “%(name)s” deleted.") % {"name": preset.name})
    return redirect("conference:exports", access.conference.slug)


@require_POST
@conference_view(Role.ORGANISER)
def presets_suggested(request, access):
    created = exports.presets_create_suggested(conference=access.conference, actor=request.user)
    if created:
        messages.success(
            request,
            _("Added: %(names)s.") % {"names": ", ".join(preset.name for preset in created)},
        )
    else:
        messages.info(request, _("The suggested presets are already there."))
    return redirect("conference:exports", access.conference.slug)


# Exports prepared in the background ------------------------------------------------------------


@require_POST
@conference_view(Role.ORGANISER)
def export_prepare(request, access):
    """Queue an attendee XLSX/PDF or badge sheet for the posted choices (`format`)."""
    conference = access.conference
    fmt = request.POST.get("format")
    if fmt not in jobs.PREPARED_FORMATS:
        return HttpResponseBadRequest("format: one of xlsx, pdf, badges", content_type="text/plain")
    form_class = BadgeForm if fmt == "badges" else ExportForm
    form = form_class(request.POST, conference=conference, roles=access.roles)
    if not form.is_valid():
        return bad_request(form)
    params = form.params()
    if fmt == "badges":
        total = jobs.badge_count(conference=conference, params=params)
    else:
        total = exports.attendee_count(conference=conference, params=params)
    job = jobs.export_job_start(
        conference=conference,
        actor=request.user,
        fmt=fmt,
        params=params,
        roles=access.roles,
        sheet=form.cleaned_data.get("sheet") or "a4",
        total=total,
    )
    messages.success(
        request,
        _("Preparing %(what)s in the background: it appears under “Recent files” when ready.")
        % {"what": PREPARE_LABELS[fmt]},
    )
    return redirect(
        f"{reverse('conference:exports', args=[conference.slug])}?{_query_string(params)}"
        f"#export-job-{job.pk}"
    )


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def export_job_progress(request, access, job_id):
    """One row of "Recent files", re-fetched by htmx while its job runs."""
    job = jobs.export_job_get(conference=access.conference, job_id=job_id)
    if job is None:
        raise Http404
    context = {"conference": access.conference, "job": job}
    return render(request, "conference/_exports_job.html", context)


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def export_file_download(request, access, job_id):
    """
    The file a background export prepared, to the conference's organisers
    until it expires (404 after, and for another conference's job), audited
    like the synchronous download before the first byte is sent.
    """
    conference = access.conference
    job = jobs.export_job_get(conference=conference, job_id=job_id)
    stored = jobs.export_job_file(job) if job is not None else None
    if stored is None:
        raise Http404
    file, result = stored
    exports.export_record(
        conference=conference,
        actor=request.user,
        action=job.kind,
        fmt=result["format"],
        rows=result["rows"],
        filters={
            key: value
            for key, value in job.params.get("query", {}).items()
            if key not in ("columns", "order", "layout")
        },
        extra={"job": job.pk, "file": result["filename"], "prepared_in_background": True},
    )
    return FileResponse(
        file,
        as_attachment=True,
        filename=result["filename"],
        content_type=result["content_type"],
    )
