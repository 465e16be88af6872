"""
Staff pages of the exports and the door, and a delegate's own badge.

Who may do what (checked on the server by `conference_view`):
- attendee exports, badges, presets, meeting schedules: organisers;
- the gate list (ID document data): security officers only; an organiser
  without the security role gets 403;
- check-in: check-in staff, and organisers too, who run the desk when it is
  short-handed (they see everything it shows anyway);
- a delegate's own badge, and the meeting schedule of their own
  organisation: that approved delegate.

Every export is written to the audit log before its first byte is sent.
Exports carry personal data: never cached (`never_cache`).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from conference.core import selectors
from conference.core.middleware import permissions_policy
from conference.core.models import ExportPreset, Role
from conference.core.permissions import DELEGATE, conference_view
from conference.portal import badges, checkin_selectors, exports, gate
from conference.portal.forms_staff import (
    BadgeForm,
    CheckinSearchForm,
    ExportForm,
    GateListForm,
    PresetForm,
    chooser_choices,
)

CHECKIN_ROLES = (Role.CHECKIN, Role.ORGANISER)
# The check-in page scans badges with the device camera (static/js/checkin.js);
# every view that can answer with that whole page lets it.
badge_scanner = permissions_policy({"camera": ["self"]})

DEFAULT_PAGE_PARAMS = exports.ExportParams(status=["approved"])


def _bad_request(form):
    """
    400 naming each bad query parameter and what is wrong with it, as plain
    text (the errors may quote what was sent: never HTML).
    """
    text = "\n".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


def _download(file, *, conference, what, extension):
    return FileResponse(
        file,
        as_attachment=True,
        filename=exports.export_filename(conference, what, extension),
        content_type=exports.CONTENT_TYPES[extension],
    )


def _stream_csv(table, *, conference, what):
    response = StreamingHttpResponse(
        exports.stream_csv(table), content_type=exports.CONTENT_TYPES["csv"]
    )
    filename = exports.export_filename(conference, what, "csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _exported_line(request, conference):
    now = timezone.localtime(timezone.now(), conference.tz)
    return _("Exported %(when)s (%(zone)s) by %(who)s") % {
        "when": f"{now:%Y-%m-%d %H:%M}",
        "zone": conference.time_zone,
        "who": request.user.display_name,
    }


def _query_string(params):
    return urlencode(params.as_query(), doseq=True)


def _params_from(data, conference, choices=None):
    """ExportParams from a preset's stored params, dropping what no longer validates."""
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
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
    choices = chooser_choices(conference)
    if request.GET:
        form = ExportForm(request.GET, conference=conference, choices=choices)
        params = form.params() if form.is_valid() else DEFAULT_PAGE_PARAMS
    else:
        form = ExportForm(initial=vars(DEFAULT_PAGE_PARAMS), conference=conference, choices=choices)
        params = DEFAULT_PAGE_PARAMS
    presets = [
        (preset, _query_string(_params_from(preset.params, conference, choices)))
        for preset in conference.export_presets.all()
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
    form = ExportForm(request.GET, conference=access.conference)
    if not form.is_valid():
        return _bad_request(form)
    params = form.params()
    context = {
        "count": exports.attendee_count(conference=access.conference, params=params),
        "query": _query_string(params),
        "conference": access.conference,
    }
    return render(request, "conference/exports_count.html", context)


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def attendees_export(request, access, fmt):
    """The attendee list as CSV (streamed), XLSX or PDF, for the query string's choices."""
    conference = access.conference
    form = ExportForm(request.GET, conference=conference)
    if not form.is_valid():
        return _bad_request(form)
    params = form.params()
    table = exports.attendee_table(conference=conference, params=params)
    gate.export_record(
        conference=conference,
        actor=request.user,
        action=gate.EXPORT_ATTENDEES,
        fmt=fmt,
        rows=table.count,
        filters=params.filters(),
        extra={"columns": params.columns, "layout": params.layout, "order": params.order},
    )
    if fmt == "csv":
        return _stream_csv(table, conference=conference, what="attendees")
    title = _("Attendee list · %(conference)s") % {"conference": conference.name}
    if fmt == "xlsx":
        about = [
            (_("Conference"), conference.name),
            (_("Export"), _("Attendee list")),
            (_("Exported"), _exported_line(request, conference)),
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
                    _exported_line(request, conference),
                    ngettext("%(count)s row", "%(count)s rows", table.count)
                    % {"count": table.count},
                    exports.describe_filters(params, conference=conference),
                ]
            ),
            footer=_("%(conference)s · confidential") % {"conference": conference.name},
            empty_message=_("No registrations match these filters."),
        )
    return _download(file, conference=conference, what="attendees", extension=fmt)


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def badges_export(request, access):
    """Badges for the query string's filters (approved delegates unless a status is given)."""
    conference = access.conference
    form = BadgeForm(request.GET, conference=conference)
    if not form.is_valid():
        return _bad_request(form)
    params = form.params()
    params.columns, params.layout = [], "people"
    params.status = params.status or ["approved"]
    queryset = exports.badge_registrations(conference=conference, params=params)
    count = queryset.count()
    sheet = form.cleaned_data["sheet"] or "a4"
    gate.export_record(
        conference=conference,
        actor=request.user,
        action=gate.EXPORT_BADGES,
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
    return _download(file, conference=conference, what="badges", extension="pdf")


# Meeting schedules ---------------------------------------------------------------------------


def _meetings_response(request, access, organisation, fmt, registration=None):
    conference = access.conference
    table = exports.organisation_meetings_table(
        conference=conference, organisation=organisation, registration=registration
    )
    gate.export_record(
        conference=conference,
        actor=request.user,
        action=gate.EXPORT_MEETINGS,
        fmt=fmt,
        rows=table.count,
        extra={"organisation": organisation.pk, "organisation_name": organisation.name},
    )
    what = f"meetings-{organisation.pk}"
    if fmt == "csv":
        return _stream_csv(table, conference=conference, what=what)
    file = exports.write_pdf(
        table,
        title=_("B2B meetings of %(organisation)s · %(conference)s")
        % {"organisation": organisation.name, "conference": conference.name},
        subtitle=_("%(line)s · closed-door: not for distribution")
        % {"line": _exported_line(request, conference)},
        footer=_("%(conference)s · confidential") % {"conference": conference.name},
        empty_message=_("No B2B meetings are booked for this organisation."),
    )
    return _download(file, conference=conference, what=what, extension="pdf")


@never_cache
@require_GET
@conference_view(Role.ORGANISER)
def meetings_export(request, access, organisation_id, fmt):
    organisation = exports.organisation_for_schedule(
        conference=access.conference, organisation_id=organisation_id
    )
    if organisation is None:
        raise Http404
    return _meetings_response(request, access, organisation, fmt)


@never_cache
@require_GET
@conference_view(DELEGATE)
def my_meetings_export(request, access, fmt):
    """The delegate's own meeting schedule (no id: no one else's, not even colleagues')."""
    organisation = access.registration.organisation
    if organisation is None:
        raise Http404
    return _meetings_response(request, access, organisation, fmt, access.registration)


@never_cache
@require_GET
@conference_view(DELEGATE)
def my_badge(request, access):
    """The delegate's own badge / e-ticket, one A6 page."""
    registration = access.registration
    registration.user = request.user
    file, _count = badges.badges_pdf(
        conference=access.conference, registrations=[registration], sheet="a6"
    )
    return _download(file, conference=access.conference, what="badge", extension="pdf")


# Presets ---------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@conference_view(Role.ORGANISER)
def preset_edit(request, access, preset_id=None):
    conference = access.conference
    preset = None
    if preset_id is not None:
        preset = get_object_or_404(ExportPreset, conference=conference, pk=preset_id)
    if request.method == "POST":
        form = PresetForm(request.POST, conference=conference, preset=preset)
        if form.is_valid():
            try:
                preset = gate.preset_save(
                    conference=conference,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    audience=form.cleaned_data["audience"],
                    params=form.params().as_query(),
                    preset=preset,
                )
            except gate.PresetNameTaken as exc:
                form.add_error("name", str(exc))
            else:
                messages.success(request, _("Preset “%(name)s” saved.") % {"name": preset.name})
                return redirect("conference:exports", conference.slug)
    else:
        if preset is not None:
            params = _params_from(preset.params, conference)
            initial = {**vars(params), "name": preset.name, "audience": preset.audience}
        else:
            chooser = ExportForm(request.GET, conference=conference)
            valid = request.GET and chooser.is_valid()
            params = chooser.params() if valid else DEFAULT_PAGE_PARAMS
            initial = vars(params)
        form = PresetForm(initial=initial, conference=conference, preset=preset)
    context = {"conference": conference, "form": form, "preset": preset}
    return render(request, "conference/exports_preset.html", context)


@require_POST
@conference_view(Role.ORGANISER)
def preset_delete(request, access, preset_id):
    preset = get_object_or_404(ExportPreset, conference=access.conference, pk=preset_id)
    gate.preset_delete(preset=preset, actor=request.user)
    messages.success(request, _("Preset “%(name)s” deleted.") % {"name": preset.name})
    return redirect("conference:exports", access.conference.slug)


@require_POST
@conference_view(Role.ORGANISER)
def presets_suggested(request, access):
    created = gate.presets_create_suggested(conference=access.conference, actor=request.user)
    if created:
        messages.success(
            request,
            _("Added: %(names)s.") % {"names": ", ".join(preset.name for preset in created)},
        )
    else:
        messages.info(request, _("The suggested presets are already there."))
    return redirect("conference:exports", access.conference.slug)


# The security gate list ------------------------------------------------------------------------


@never_cache
@require_GET
@conference_view(Role.SECURITY)
def gatelist_page(request, access):
    conference = access.conference
    deadline = account_services.id_retention_deadline(conference)
    context = {
        "conference": conference,
        "form": GateListForm(conference=conference),
        "deadline": deadline,
        "expired": timezone.now() >= deadline,
        "downloads": selectors.audit_latest(
            conference=conference, actions=[gate.GATELIST_DOWNLOAD], limit=10
        ),
        "erasures": selectors.audit_latest(
            conference=conference, actions=[account_services.ID_DATA_ERASED], limit=1
        ),
    }
    return render(request, "conference/exports_gatelist.html", context)


@never_cache
@require_GET
@conference_view(Role.SECURITY)
def gatelist_export(request, access, fmt):
    """
    Approved delegates with nationality and ID document fields, for the
    embassy's gate. Every download is audited (who, when, filters, rows);
    after the retention period the ID columns are empty.
    """
    conference = access.conference
    form = GateListForm(request.GET, conference=conference)
    if not form.is_valid():
        return _bad_request(form)
    params = form.params()
    expired = account_services.id_data_expired(conference)
    table = exports.gatelist_table(conference=conference, params=params, hide_id_data=expired)
    gate.export_record(
        conference=conference,
        actor=request.user,
        action=gate.GATELIST_DOWNLOAD,
        fmt=fmt,
        rows=table.count,
        filters=params.filters(),
        extra={"id_data": not expired},
    )
    if fmt == "csv":
        return _stream_csv(table, conference=conference, what="gatelist")
    notice = _("ID data erased after the retention period.") if expired else ""
    file = exports.write_pdf(
        table,
        title=_("Gate list · %(conference)s") % {"conference": conference.name},
        subtitle=" · ".join(
            part
            for part in [
                _exported_line(request, conference),
                ngettext("%(count)s approved delegate", "%(count)s approved delegates", table.count)
                % {"count": table.count},
                notice,
            ]
            if part
        ),
        footer=_("%(conference)s · security: restricted") % {"conference": conference.name},
        empty_message=_("No approved delegates match these filters."),
    )
    return _download(file, conference=conference, what="gatelist", extension="pdf")


# Check-in ----------------------------------------------------------------------------------------


def _checkin_context(access, **extra):
    conference = access.conference
    by_kind, totals = checkin_selectors.checkin_arrivals(conference=conference)
    return {
        "conference": conference,
        "arrivals": by_kind,
        "totals": totals,
        "latest": checkin_selectors.checkin_latest(conference=conference),
        "search_form": CheckinSearchForm(),
        **extra,
    }


def _checkin_response(request, access, result):
    """The outcome card (htmx) or the whole page with it; tells the page to refresh its counts."""
    if request.htmx:
        response = render(
            request,
            "conference/checkin_result.html",
            {"conference": access.conference, "result": result},
        )
    else:
        response = render(
            request, "conference/checkin.html", _checkin_context(access, result=result)
        )
    response["HX-Trigger"] = "checkin-changed"
    return response


@never_cache
@require_GET
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_page(request, access):
    return render(request, "conference/checkin.html", _checkin_context(access))


@never_cache
@require_GET
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_search(request, access):
    form = CheckinSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = (
        checkin_selectors.checkin_search(conference=access.conference, query=query) if query else []
    )
    context = {"conference": access.conference, "query": query, "results": results}
    if request.htmx:
        return render(request, "conference/checkin_search.html", context)
    page = _checkin_context(access, **context)
    page["search_form"] = form
    return render(request, "conference/checkin.html", page)


@require_POST
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_scan(request, access):
    """Check in by badge code, scanned from the QR code or typed."""
    result = gate.checkin_record(
        conference=access.conference,
        actor=request.user,
        badge_code=request.POST.get("code", ""),
    )
    return _checkin_response(request, access, result)


@require_POST
@conference_view(*CHECKIN_ROLES)
@badge_scanner
def checkin_person(request, access, registration_id):
    """Check in a person found by name."""
    result = gate.checkin_record(
        conference=access.conference, actor=request.user, registration_id=registration_id
    )
    if result.outcome == gate.Outcome.UNKNOWN:
        raise Http404
    return _checkin_response(request, access, result)


@never_cache
@require_GET
@conference_view(*CHECKIN_ROLES)
def checkin_arrivals(request, access):
    return render(request, "conference/checkin_arrivals.html", _checkin_context(access))
