"""
URLs of the exports, the gate list, badges and check-in, under
/events/<slug>/ in the "conference" namespace (included by conference.urls).
"""

from django.urls import path

from conference.portal import views_staff as views

urlpatterns = [
    # Organisers: the exports page, its downloads and presets.
    path("manage/exports/", views.exports_page, name="exports"),
    path("manage/exports/count/", views.exports_count, name="exports_count"),
    path(
        "manage/exports/attendees.csv", views.attendees_export, {"fmt": "csv"}, name="attendees_csv"
    ),
    path(
        "manage/exports/attendees.xlsx",
        views.attendees_export,
        {"fmt": "xlsx"},
        name="attendees_xlsx",
    ),
    path(
        "manage/exports/attendees.pdf", views.attendees_export, {"fmt": "pdf"}, name="attendees_pdf"
    ),
    path("manage/exports/badges.pdf", views.badges_export, name="badges_pdf"),
    path(
        "manage/exports/meetings/<int:organisation_id>.csv",
        views.meetings_export,
        {"fmt": "csv"},
        name="meetings_csv",
    ),
    path(
        "manage/exports/meetings/<int:organisation_id>.pdf",
        views.meetings_export,
        {"fmt": "pdf"},
        name="meetings_pdf",
    ),
    path("manage/exports/presets/new/", views.preset_edit, name="preset_new"),
    path("manage/exports/presets/suggested/", views.presets_suggested, name="presets_suggested"),
    path("manage/exports/presets/<int:preset_id>/", views.preset_edit, name="preset_edit"),
    path(
        "manage/exports/presets/<int:preset_id>/delete/", views.preset_delete, name="preset_delete"
    ),
    # Security officers only: the gate list.
    path("manage/exports/gatelist/", views.gatelist_page, name="gatelist"),
    path("manage/exports/gatelist.csv", views.gatelist_export, {"fmt": "csv"}, name="gatelist_csv"),
    path("manage/exports/gatelist.pdf", views.gatelist_export, {"fmt": "pdf"}, name="gatelist_pdf"),
    # Check-in staff and organisers: the door.
    path("manage/checkin/", views.checkin_page, name="checkin"),
    path("manage/checkin/search/", views.checkin_search, name="checkin_search"),
    path("manage/checkin/scan/", views.checkin_scan, name="checkin_scan"),
    path("manage/checkin/arrivals/", views.checkin_arrivals, name="checkin_arrivals"),
    path("manage/checkin/<int:registration_id>/", views.checkin_person, name="checkin_person"),
    # A delegate: their own badge and their organisation's meeting schedule.
    path("me/badge.pdf", views.my_badge, name="my_badge"),
    path("me/meetings.csv", views.my_meetings_export, {"fmt": "csv"}, name="my_meetings_csv"),
    path("me/meetings.pdf", views.my_meetings_export, {"fmt": "pdf"}, name="my_meetings_pdf"),
]
