from django.urls import include, path

from b2b_meetings import views

app_name = "b2b_meetings"

# Included under events/<slug>/ (conference/urls.py).
urlpatterns = [
    # Delegates
    path("b2b/", views.directory, name="directory"),
    path(
        "b2b/organisations/<int:organisation_id>/",
        views.organisation,
        name="organisation",
    ),
    path("b2b/availability/", views.availability, name="availability"),
    path("b2b/requests/", views.requests, name="requests"),
    path(
        "b2b/requests/new/delegate/<int:registration_id>/",
        views.request_new_delegate,
        name="request_new_delegate",
    ),
    path(
        "b2b/requests/new/organisation/<int:organisation_id>/",
        views.request_new_organisation,
        name="request_new_organisation",
    ),
    path("b2b/requests/<int:request_id>/", views.request_detail, name="request"),
    path("b2b/requests/<int:request_id>/accept/", views.request_accept, name="request_accept"),
    path("b2b/requests/<int:request_id>/decline/", views.request_decline, name="request_decline"),
    path(
        "b2b/requests/<int:request_id>/withdraw/",
        views.request_withdraw,
        name="request_withdraw",
    ),
    path("b2b/meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path(
        "b2b/meetings/<int:meeting_id>/meeting.ics",
        views.meeting_calendar,
        name="meeting_calendar",
    ),
    path(
        "b2b/meetings/<int:meeting_id>/reschedule/",
        views.meeting_reschedule,
        name="meeting_reschedule",
    ),
    path("b2b/meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path(
        "b2b/meetings/<int:meeting_id>/feedback/",
        views.meeting_feedback,
        name="meeting_feedback",
    ),
    # Organisers
    path("manage/b2b/", views.manage_grid, name="manage"),
    path("manage/b2b/schedule/", include("b2b_meetings.scheduler.urls")),
    path("manage/b2b/setup/", views.manage_setup, name="manage_setup"),
    path("manage/b2b/setup/slots/", views.manage_slots, name="manage_slots"),
    path("manage/b2b/setup/tables/", views.manage_tables_add, name="manage_tables_add"),
    path(
        "manage/b2b/setup/tables/<int:table_id>/toggle/",
        views.manage_table_toggle,
        name="manage_table_toggle",
    ),
    path("manage/b2b/stats/", views.manage_stats, name="manage_stats"),
    path("manage/b2b/feedback/", views.manage_feedback, name="manage_feedback"),
    path("manage/b2b/meetings/new/", views.manage_meeting_new, name="manage_meeting_new"),
    path(
        "manage/b2b/meetings/<int:meeting_id>/move/",
        views.manage_meeting_move,
        name="manage_meeting_move",
    ),
    path(
        "manage/b2b/meetings/<int:meeting_id>/lock/",
        views.manage_meeting_lock,
        name="manage_meeting_lock",
    ),
]
