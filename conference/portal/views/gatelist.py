"""
The security officers' gate list: approved delegates with nationality and ID
document data. Security officers only: an organiser without the role gets 403.
"""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import services as account_services
from conference.core import selectors
from conference.core.models import Role
from conference.core.permissions import conference_view
from conference.portal import exports
from conference.portal.forms import GateListForm
from conference.portal.views.downloads import (
    bad_request,
    csv_download,
    exported_line,
    file_download,
)


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
            conference=conference, actions=[exports.GATELIST_DOWNLOAD], limit=10
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
        return bad_request(form)
    params = form.params()
    expired = account_services.id_data_expired(conference)
    table = exports.gatelist_table(conference=conference, params=params, hide_id_data=expired)
    exports.export_record(
        conference=conference,
        actor=request.user,
        action=exports.GATELIST_DOWNLOAD,
        fmt=fmt,
        rows=table.count,
        filters=params.filters(),
        extra={"id_data": not expired},
    )
    if fmt == "csv":
        return csv_download(table, conference=conference, what="gatelist")
    notice = _("ID data erased after the retention period.") if expired else ""
    file = exports.write_pdf(
        table,
        title=_("Gate list · %(conference)s") % {"conference": conference.name},
        subtitle=" · ".join(
            part
            for part in [
                exported_line(request, conference),
                ngettext("%(count)s approved delegate", "%(count)s approved delegates", table.count)
                % {"count": table.count},
                notice,
            ]
            if part
        ),
        footer=_("%(conference)s · security: restricted") % {"conference": conference.name},
        empty_message=_("No approved delegates match these filters."),
    )
    return file_download(file, conference=conference, what="gatelist", extension="pdf")
