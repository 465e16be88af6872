"""URLs of broadcasts, under /events/<slug>/ in the "conference" namespace (via urls_staff)."""

from django.urls import path

from conference.portal.broadcasts import views

urlpatterns = [
    path("manage/broadcasts/", views.broadcasts_page, name="broadcasts"),
    path("manage/broadcasts/new/", views.broadcast_edit, name="broadcast_new"),
    path("manage/broadcasts/audience/", views.broadcast_audience, name="broadcast_audience"),
    path(
        "manage/broadcasts/preview/<str:language>/",
        views.broadcast_preview,
        name="broadcast_preview",
    ),
    path("manage/broadcasts/<int:broadcast_id>/", views.broadcast_detail, name="broadcast"),
    path("manage/broadcasts/<int:broadcast_id>/edit/", views.broadcast_edit, name="broadcast_edit"),
    path("manage/broadcasts/<int:broadcast_id>/send/", views.broadcast_send, name="broadcast_send"),
    path(
        "manage/broadcasts/<int:broadcast_id>/unschedule/",
        views.broadcast_unschedule,
        name="broadcast_unschedule",
    ),
    path(
        "manage/broadcasts/<int:broadcast_id>/delete/",
        views.broadcast_delete,
        name="broadcast_delete",
    ),
    path(
        "manage/broadcasts/<int:broadcast_id>/test/<str:language>/",
        views.broadcast_test,
        name="broadcast_test",
    ),
    path(
        "manage/broadcasts/<int:broadcast_id>/progress/",
        views.broadcast_progress,
        name="broadcast_progress",
    ),
]
