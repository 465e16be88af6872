from django.urls import path

from accounts import views
from accounts.views import questions as views_questions

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
    path("manage/questions/", views_questions.questions, name="questions"),
    path(
        "manage/questions/<int:question_id>/",
        views_questions.question_edit,
        name="question_edit",
    ),
    path(
        "manage/questions/<int:question_id>/move/",
        views_questions.question_move,
        name="question_move",
    ),
    path(
        "manage/questions/<int:question_id>/active/",
        views_questions.question_active,
        name="question_active",
    ),
    path(
        "manage/questions/<int:question_id>/delete/",
        views_questions.question_delete,
        name="question_delete",
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
