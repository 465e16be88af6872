from django.urls import path

from b2b_meetings.scheduler import views

app_name = "scheduler"

# Included under events/<slug>/manage/b2b/schedule/ (b2b_meetings/urls.py).
urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("<int:job_id>/", views.run, name="run"),
    path("<int:job_id>/cancel/", views.cancel, name="cancel"),
    path("<int:job_id>/commit/", views.commit, name="commit"),
    path("<int:job_id>/discard/", views.discard, name="discard"),
    path("<int:job_id>/proposal.csv", views.proposal_csv, name="proposal_csv"),
]
