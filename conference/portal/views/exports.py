"""
The organisers' exports: the exports page and its row count, attendee lists
(CSV, XLSX, PDF), badges, any organisation's B2B schedule, and presets.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conference.core.errors import shown_to_user
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.portal import badges, exports
from conference.portal.forms import BadgeForm, ExportForm, PresetForm, chooser_choices
from conference.portal.views.downloads import (
    bad_request,
    csv_download,
    exported_line,
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
        form = ExportForm(request.GET, conference=conference, choices=choices)
        params = form.params() if form.is_valid() else DEFAULT_PAGE_PARAMS
    else:
        form = ExportForm(initial=vars(DEFAULT_PAGE_PARAMS), conference=conference, choices=choices)
        params = DEFAULT_PAGE_PARAMS
    presets = [
        (preset, _query_string(_params_from(preset.params, conference, access.roles, choices)))
        for preset in exports.preset_list(conference=conference)
    ]
    context = {
        "conference": conference,
        "form": form,
        "query": _query_string(params),
        "count": exports.attendee_count(conference=conference, params=params),
        "presets": presets,
        "organisations": exports.organisations_with_meetings(conference=conference),
        "badge_sheets": BadgeForm.base_fields["sheet"].choices,
    }
    return render(request, "conference/exports.html", context)


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
    title = _("Attendee list · %(conference)s") % {"conference": conference.name}
    if fmt == "xlsx":
        about = [
            (_("Conference"), conference.name),
            (_("Export"), _("Attendee list")),
            (_("Exported"), exported_line(request, conference)),
            (_("Filters"), exports.describe_filters(params, conference=conference)),
            (_("Rows"), table.count),
        ]
        file = exports.write_xlsx(table, sheet_title=_("Attendees"), about=about)
    else:
        file = exports.write_pdf(
            table,
            title=title,
            subtitle=" · ".join(
                [
                    exported_line(request, conference),
                    ngettext("%(count)s row", "%(count)s rows", table.count)
                    % {"count": table.count},
                    exports.describe_filters(params, conference=conference),
                ]
            ),
            footer=_("%(conference)s · confidential") % {"conference": conference.name},
            empty_message=_("No registrations match these filters."),
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
    params.columns, params.layout = [], "people"
    params.status = params.status or ["approved"]
    queryset = exports.badge_registrations(conference=conference, params=params)
    count = queryset.count()
    sheet = form.cleaned_data["sheet"] or "a4"
    exports.export_record(
        conference=conference,
        actor=request.user,
        action=exports.EXPORT_BADGES,
        fmt="pdf",
        rows=count,
        filters=params.filters(),
        extra={"sheet": sheet},
    )
    file, _count = badges.badges_pdf(
        conference=conference,
        registrations=queryset.iterator(chunk_size=exports.CHUNK_SIZE),
        sheet=sheet,
    )
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
