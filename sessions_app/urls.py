from django.urls import path

from sessions_app import views

app_name = "sessions_app"

urlpatterns = [
    # The public agenda and its feeds.
    path("agenda/", views.agenda, name="agenda"),
    path("agenda.ics", views.agenda_ics, name="agenda_ics"),
    path("agenda.json", views.agenda_json, name="agenda_json"),
    path("agenda/sessions/<int:session_id>/", views.session_detail, name="session"),
    path("agenda/sessions/<int:session_id>/signup/", views.session_signup, name="signup"),
    # A delegate's own schedule and calendar feed.
    path("me/", views.my_schedule, name="my_schedule"),
    path("me/signups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("me/time-zone/", views.time_zone_save, name="time_zone_save"),
    path("me/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("me/calendar/<str:token>.ics", views.personal_calendar, name="my_calendar"),
    # The organisers' agenda builder.
    path("manage/agenda/", views.agenda_manage, name="manage"),
    path("manage/agenda/panels/", views.agenda_manage_panels, name="manage_panels"),
    path("manage/agenda/publish/", views.agenda_publish, name="publish"),
    path("manage/agenda/sessions/new/", views.session_edit, name="session_new"),
    path("manage/agenda/sessions/<int:session_id>/", views.session_edit, name="session_edit"),
    path("manage/agenda/sessions/<int:session_id>/move/", views.session_move, name="session_move"),
    path(
        "manage/agenda/sessions/<int:session_id>/duplicate/",
        views.session_duplicate,
        name="session_duplicate",
    ),
    path(
        "manage/agenda/sessions/<int:session_id>/delete/",
        views.session_delete,
        name="session_delete",
    ),
    path("manage/agenda/<str:kind>/", views.catalogue_list, name="catalogue"),
    path("manage/agenda/<str:kind>/new/", views.catalogue_edit, name="catalogue_new"),
    path("manage/agenda/<str:kind>/<int:pk>/", views.catalogue_edit, name="catalogue_edit"),
    path(
        "manage/agenda/<str:kind>/<int:pk>/delete/",
        views.catalogue_delete,
        name="catalogue_delete",
    ),
]
