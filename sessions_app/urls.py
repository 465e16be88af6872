from django.urls import path

from sessions_app.views import delegate, event_day, organiser, public, speakers

app_name = "sessions_app"

urlpatterns = [
    # The public agenda and its feeds.
    path("agenda/", public.agenda, name="agenda"),
    path("agenda.ics", public.agenda_ics, name="agenda_ics"),
    path("agenda.json", public.agenda_json, name="agenda_json"),
    path("schedule.xml", public.schedule_xml, name="schedule_xml"),
    path("schedule.json", public.schedule_json, name="schedule_json"),
    path("agenda/grid/", event_day.agenda_grid, name="agenda_grid"),
    path("agenda/now/", event_day.agenda_now, name="agenda_now"),
    path("agenda/sessions/<int:session_id>/", public.session_detail, name="session"),
    path("agenda/sessions/<int:session_id>.ics", public.session_ics, name="session_ics"),
    # Speakers on the published agenda.
    path("speakers/", speakers.speaker_list, name="speakers"),
    path("speakers/<int:speaker_id>/", speakers.speaker_detail, name="speaker"),
    path(
        "speakers/<int:speaker_id>/photo-<str:size>.webp",
        speakers.speaker_photo,
        name="speaker_photo",
    ),
    path("agenda/sessions/<int:session_id>/signup/", delegate.session_signup, name="signup"),
    # A delegate's own schedule and calendar feed.
    path("me/", delegate.my_schedule, name="my_schedule"),
    path("me/signups/<int:signup_id>/cancel/", delegate.signup_cancel, name="signup_cancel"),
    path("me/time-zone/", delegate.time_zone_save, name="time_zone_save"),
    path("me/calendar/reset/", delegate.calendar_reset, name="calendar_reset"),
    path("me/calendar/<str:token>.ics", delegate.personal_calendar, name="my_calendar"),
    # The organisers' agenda builder.
    path("manage/agenda/", organiser.agenda_manage, name="manage"),
    path("manage/agenda/panels/", organiser.agenda_manage_panels, name="manage_panels"),
    path("manage/agenda/publish/", organiser.agenda_publish, name="publish"),
    path("manage/agenda/sessions/new/", organiser.session_edit, name="session_new"),
    path("manage/agenda/sessions/<int:session_id>/", organiser.session_edit, name="session_edit"),
    path(
        "manage/agenda/sessions/<int:session_id>/move/",
        organiser.session_move,
        name="session_move",
    ),
    path(
        "manage/agenda/sessions/<int:session_id>/duplicate/",
        organiser.session_duplicate,
        name="session_duplicate",
    ),
    path(
        "manage/agenda/sessions/<int:session_id>/delete/",
        organiser.session_delete,
        name="session_delete",
    ),
    path("manage/agenda/languages/", organiser.conference_texts, name="conference_texts"),
    path("manage/agenda/<str:kind>/", organiser.catalogue_list, name="catalogue"),
    path("manage/agenda/<str:kind>/new/", organiser.catalogue_edit, name="catalogue_new"),
    path("manage/agenda/<str:kind>/<int:pk>/", organiser.catalogue_edit, name="catalogue_edit"),
    path(
        "manage/agenda/<str:kind>/<int:pk>/delete/",
        organiser.catalogue_delete,
        name="catalogue_delete",
    ),
]
