from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as accounts_views
from conference.api.api import api
from conference.portal import urls_staff
from conference.portal.views import badge, dashboard, ops, outbox, public, pwa

# The Django admin checks no password of its own: staff log in through
# allauth (its rate limits, its second factor) and change their password
# there too (the admin's form checks the old password with no rate limit).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.password_change = RedirectView.as_view(pattern_name="account_change_password")

# Pages of one conference that belong to the core app.
event_patterns = (
    [
        path("", public.home, name="home"),
        path("manage/", dashboard.dashboard, name="dashboard"),
        path("manage/outbox/", outbox.outbox, name="outbox"),
        path("manage/outbox/<int:email_id>/", outbox.outbox_email, name="outbox_email"),
        path("manage/outbox/<int:email_id>/body/", outbox.outbox_email_body, name="outbox_body"),
        path("manage/outbox/<int:email_id>/resend/", outbox.outbox_resend, name="outbox_resend"),
        # A delegate's badge as a page, for the phone (kept offline by the service worker).
        path("me/badge/", badge.my_badge_page, name="my_badge_page"),
        # Exports, the gate list, badges and check-in (conference/portal/urls_staff.py).
        *urls_staff.urlpatterns,
    ],
    "conference",
)

urlpatterns = [
    path("", public.index, name="index"),
    # Liveness and readiness probes, and the Prometheus scrape (conference/portal/views/ops.py);
    # /healthz is the readiness check under its first, documented name.
    path("livez", ops.livez, name="livez"),
    path("readyz", ops.readyz, name="readyz"),
    path("healthz", ops.readyz, name="healthz"),
    path("metrics", ops.metrics, name="metrics"),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", public.favicon, name="favicon"),
    # The installable web app: at the root, so the service worker's scope is the whole site.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Sign-up only from an invitation: allauth's view, given the invitation.
    path("accounts/signup/", accounts_views.signup, name="account_signup"),
    # The address is the invited one: shown, never added or switched (see the view).
    path("accounts/email/", accounts_views.email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("invite/<str:token>/", accounts_views.invitation, name="invitation"),
    path(
        "invite/<str:token>/switch/",
        accounts_views.invitation_switch_account,
        name="invitation_switch_account",
    ),
    path("i18n/setlang/", accounts_views.language_set, name="set_language"),
    path("events/<slug:slug>/", include(event_patterns)),
    path("events/<slug:slug>/", include("accounts.urls")),
    path("events/<slug:slug>/", include("sessions_app.urls")),
    path("events/<slug:slug>/", include("b2b_meetings.urls")),
    path("events/<slug:slug>/", include("conference.api.urls")),
]
