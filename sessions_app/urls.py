from django.urls import path

from sessions_app import views

app_name = "sessions_app"

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/sessions/<int:session_id>/", views.session_detail, name="session"),
]
