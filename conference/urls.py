from django.contrib import admin
from django.urls import include, path

from conference import views

# Pages of one conference that belong to the core app.
event_patterns = (
    [
        path("", views.home, name="home"),
        path("manage/", views.dashboard, name="dashboard"),
    ],
    "conference",
)

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("events/<slug:slug>/", include(event_patterns)),
    path("events/<slug:slug>/", include("sessions_app.urls")),
]
