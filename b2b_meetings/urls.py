from django.urls import include, path

from b2b_meetings.views import delegate, messages, organiser

app_name = "b2b_meetings"

# Included under events/<slug>/ (conference/urls.py).
urlpatterns = [
    # Delegates
    path("b2b/", delegate.directory, name="directory"),
    path(
        "b2b/organisations/<int:organisation_id>/",
        delegate.organisation,
        name="organisation",
    ),
    path("b2b/availability/", delegate.availability, name="availability"),
    path("b2b/requests/", delegate.requests, name="requests"),
    path(
        "b2b/requests/new/delegate/<int:registration_id>/",
        delegate.request_new_delegate,
        name="request_new_delegate",
    ),
    path(
        "b2b/requests/new/organisation/<int:organisation_id>/",
        delegate.request_new_organisation,
        name="request_new_organisation",
    ),
    path("b2b/requests/<int:request_id>/", delegate.request_detail, name="request"),
    path("b2b/requests/<int:request_id>/accept/", delegate.request_accept, name="request_accept"),
    path(
        "b2b/requests/<int:request_id>/accept-to-schedule/",
        delegate.request_accept_to_schedule,
        name="request_accept_to_schedule",
    ),
    path(
        "b2b/requests/<int:request_id>/messages/",
        messages.request_message,
        name="request_message",
    ),
    path(
        "b2b/requests/<int:request_id>/decline/",
        delegate.request_decline,
        name="request_decline",
    ),
    path(
        "b2b/requests/<int:request_id>/withdraw/",
        delegate.request_withdraw,
        name="request_withdraw",
    ),
    path("b2b/meetings/<int:meeting_id>/", delegate.meeting, name="meeting"),
    path(
        "b2b/meetings/<int:meeting_id>/meeting.ics",
        delegate.meeting_calendar,
        name="meeting_calendar",
    ),
    path(
        "b2b/meetings/<int:meeting_id>/reschedule/",
        delegate.meeting_reschedule,
        name="meeting_reschedule",
    ),
    path("b2b/meetings/<int:meeting_id>/cancel/", delegate.meeting_cancel, name="meeting_cancel"),
    path(
        "b2b/meetings/<int:meeting_id>/messages/",
        messages.meeting_message,
        name="meeting_message",
    ),
    path(
        "b2b/meetings/<int:meeting_id>/feedback/",
        delegate.meeting_feedback,
        name="meeting_feedback",
    ),
    # Organisers
    path("manage/b2b/", organiser.manage_grid, name="manage"),
    path("manage/b2b/schedule/", include("b2b_meetings.scheduler.urls")),
    path("manage/b2b/setup/", organiser.manage_setup, name="manage_setup"),
    path("manage/b2b/setup/slots/", organiser.manage_slots, name="manage_slots"),
    path("manage/b2b/setup/tables/", organiser.manage_tables_add, name="manage_tables_add"),
    path(
        "manage/b2b/setup/tables/<int:table_id>/toggle/",
        organiser.manage_table_toggle,
        name="manage_table_toggle",
    ),
    path("manage/b2b/stats/", organiser.manage_stats, name="manage_stats"),
    path("manage/b2b/feedback/", organiser.manage_feedback, name="manage_feedback"),
    path("manage/b2b/meetings/new/", organiser.manage_meeting_new, name="manage_meeting_new"),
    path(
        "manage/b2b/meetings/<int:meeting_id>/move/",
        organiser.manage_meeting_move,
        name="manage_meeting_move",
    ),
    path(
        "manage/b2b/meetings/<int:meeting_id>/lock/",
        organiser.manage_meeting_lock,
        name="manage_meeting_lock",
    ),
]

# Matchmaking: profiles, images, taxonomy, suggestions (b2b_meetings/matchmaking/urls.py).
urlpatterns += [path("", include("b2b_meetings.matchmaking.urls"))]
