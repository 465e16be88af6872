from django.urls import path

from accounts import views

app_name = "accounts"

# Mounted under /events/<slug>/ (conference/urls.py).
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/withdraw/", views.withdraw, name="withdraw"),
    path("register/my-data.json", views.personal_data, name="personal_data"),
    path("register/deletion/", views.request_deletion, name="request_deletion"),
    path("manage/invitations/", views.invitations, name="invitations"),
    path("manage/invitations/import/", views.invitations_import, name="invitations_import"),
    path(
        "manage/invitations/template.csv",
        views.invitations_template,
        name="invitations_template",
    ),
    path("manage/invitations/send/", views.invitations_send, name="invitations_send"),
    path("manage/invitations/jobs/<int:job_id>/", views.invitations_job, name="invitations_job"),
    path(
        "manage/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "manage/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("manage/registrations/", views.registrations, name="registrations"),
    path("manage/registrations/bulk/", views.registrations_bulk, name="registrations_bulk"),
    path(
        "manage/registrations/settings/",
        views.registrations_settings,
        name="registrations_settings",
    ),
    path(
        "manage/registrations/<int:registration_id>/",
        views.registration_detail,
        name="registration",
    ),
    path(
        "manage/registrations/<int:registration_id>/transition/",
        views.registration_transition,
        name="registration_transition",
    ),
    path(
        "manage/registrations/<int:registration_id>/organisation/",
        views.registration_confirm_organisation,
        name="registration_confirm_organisation",
    ),
]
