"""The responses of the export views: a file, a streamed CSV, a refused query string."""

from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from conference.portal import exports


def bad_request(form):
    """
    400 naming each bad query parameter and what is wrong with it, as plain
    text (the errors may quote what was sent: never HTML).
    """
    text = "\n".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


def file_download(file, *, conference, what, extension):
    return FileResponse(
        file,
        as_attachment=True,
        filename=exports.export_filename(conference, what, extension),
        content_type=exports.CONTENT_TYPES[extension],
    )


def csv_download(table, *, conference, what):
    response = StreamingHttpResponse(
        exports.stream_csv(table), content_type=exports.CONTENT_TYPES["csv"]
    )
    filename = exports.export_filename(conference, what, "csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def exported_line(request, conference):
    """The line "Exported <when> (<zone>) by <who>" of a printed list's header."""
    now = timezone.localtime(timezone.now(), conference.tz)
    return _("Exported %(when)s (%(zone)s) by %(who)s") % {
        "when": f"{now:%Y-%m-%d %H:%M}",
        "zone": conference.time_zone,
        "who": request.user.display_name,
    }


def meetings_download(request, access, organisation, fmt, registration=None):
    """
    The B2B meeting schedule of `organisation` (only `registration`'s
    meetings if given) as CSV or PDF, audited before it is sent.
    """
    conference = access.conference
    table = exports.organisation_meetings_table(
        conference=conference, organisation=organisation, registration=registration
    )
    exports.export_record(
        conference=conference,
        actor=request.user,
        action=exports.EXPORT_MEETINGS,
        fmt=fmt,
        rows=table.count,
        extra={"organisation": organisation.pk, "organisation_name": organisation.name},
    )
    what = f"meetings-{organisation.pk}"
    if fmt == "csv":
        return csv_download(table, conference=conference, what=what)
    file = exports.write_pdf(
        table,
        title=_("B2B meetings of %(organisation)s · %(conference)s")
        % {"organisation": organisation.name, "conference": conference.name},
        subtitle=_("%(line)s · closed-door: not for distribution")
        % {"line": exported_line(request, conference)},
        footer=_("%(conference)s · confidential") % {"conference": conference.name},
        empty_message=_("No B2B meetings are booked for this organisation."),
    )
    return file_download(file, conference=conference, what=what, extension="pdf")
