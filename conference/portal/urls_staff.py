"""
URLs of the email wordings, the exports, the gate list, badges and check-in, under
/events/<slug>/ in the "conference" namespace (included by conference.urls).
"""

from django.urls import path

from conference.portal.broadcasts import urls as broadcast_urls
from conference.portal.views import checkin, delegate, emails, exports, gatelist

urlpatterns = [
    # Organisers: broadcasts to a chosen audience (conference/portal/broadcasts/).
    *broadcast_urls.urlpatterns,
    # Organisers: the exports page, its downloads and presets.
    path("manage/exports/", exports.exports_page, name="exports"),
    path("manage/exports/count/", exports.exports_count, name="exports_count"),
    path(
        "manage/exports/attendees.csv",
        exports.attendees_export,
        {"fmt": "csv"},
        name="attendees_csv",
    ),
    path(
        "manage/exports/attendees.xlsx",
        exports.attendees_export,
        {"fmt": "xlsx"},
        name="attendees_xlsx",
    ),
    path(
        "manage/exports/attendees.pdf",
        exports.attendees_export,
        {"fmt": "pdf"},
        name="attendees_pdf",
    ),
    path("manage/exports/badges.pdf", exports.badges_export, name="badges_pdf"),
    path(
        "manage/exports/meetings/<int:organisation_id>.csv",
        exports.meetings_export,
        {"fmt": "csv"},
        name="meetings_csv",
    ),
    path(
        "manage/exports/meetings/<int:organisation_id>.pdf",
        exports.meetings_export,
        {"fmt": "pdf"},
        name="meetings_pdf",
    ),
    path("manage/exports/prepare/", exports.export_prepare, name="export_prepare"),
    path("manage/exports/files/<int:job_id>/", exports.export_file_download, name="export_file"),
    path(
        "manage/exports/files/<int:job_id>/progress/",
        exports.export_job_progress,
        name="export_job_progress",
    ),
    path("manage/exports/presets/new/", exports.preset_edit, name="preset_new"),
    path("manage/exports/presets/suggested/", exports.presets_suggested, name="presets_suggested"),
    path("manage/exports/presets/<int:preset_id>/", exports.preset_edit, name="preset_edit"),
    path(
        "manage/exports/presets/<int:preset_id>/delete/",
        exports.preset_delete,
        name="preset_delete",
    ),
    # Organisers: the wording of each kind of email, per language.
    path("manage/emails/", emails.email_templates_page, name="email_templates"),
    # (Before the kind's pages: "preview" is no kind.)
    path(
        "manage/emails/preview/<str:key>/",
        emails.email_template_preview_body,
        name="email_template_preview_body",
    ),
    path(
        "manage/emails/<str:kind>/<str:language>/",
        emails.email_template_edit,
        name="email_template",
    ),
    path(
        "manage/emails/<str:kind>/<str:language>/preview/",
        emails.email_template_preview,
        name="email_template_preview",
    ),
    path(
        "manage/emails/<str:kind>/<str:language>/test/",
        emails.email_template_test,
        name="email_template_test",
    ),
    path(
        "manage/emails/<str:kind>/<str:language>/reset/",
        emails.email_template_reset,
        name="email_template_reset",
    ),
    path(
        "manage/emails/<str:kind>/<str:language>/versions/<int:version_id>/restore/",
        emails.email_template_restore,
        name="email_template_restore",
    ),
    # Security officers only: the gate list.
    path("manage/exports/gatelist/", gatelist.gatelist_page, name="gatelist"),
    path(
        "manage/exports/gatelist.csv", gatelist.gatelist_export, {"fmt": "csv"}, name="gatelist_csv"
    ),
    path(
        "manage/exports/gatelist.pdf", gatelist.gatelist_export, {"fmt": "pdf"}, name="gatelist_pdf"
    ),
    # Check-in staff and organisers: the door.
    path("manage/checkin/", checkin.checkin_page, name="checkin"),
    path("manage/checkin/search/", checkin.checkin_search, name="checkin_search"),
    path("manage/checkin/scan/", checkin.checkin_scan, name="checkin_scan"),
    path("manage/checkin/arrivals/", checkin.checkin_arrivals, name="checkin_arrivals"),
    path("manage/checkin/<int:registration_id>/", checkin.checkin_person, name="checkin_person"),
    # A delegate: their own badge and their organisation's meeting schedule.
    path("me/badge.pdf", delegate.my_badge, name="my_badge"),
    path("me/meetings.csv", delegate.my_meetings_export, {"fmt": "csv"}, name="my_meetings_csv"),
    path("me/meetings.pdf", delegate.my_meetings_export, {"fmt": "pdf"}, name="my_meetings_pdf"),
]
