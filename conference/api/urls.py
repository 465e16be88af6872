"""
The staff pages of the API, under /events/<slug>/ in the "api_manage"
namespace (included by conference.urls): tokens, webhook endpoints and
their delivery log. The API itself lives at /api/v1/ (conference.api.api).
"""

from django.urls import path

from conference.api import views

app_name = "api_manage"

urlpatterns = [
    # Tokens: organisers, security officers and check-in staff, each for their own scopes.
    path("manage/api/", views.tokens, name="tokens"),
    path("manage/api/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    # Webhooks: organisers.
    path("manage/webhooks/", views.webhooks, name="webhooks"),
    path("manage/webhooks/<int:endpoint_id>/", views.webhook, name="webhook"),
    path("manage/webhooks/<int:endpoint_id>/enable/", views.webhook_enable, name="webhook_enable"),
    path(
        "manage/webhooks/<int:endpoint_id>/disable/",
        views.webhook_disable,
        name="webhook_disable",
    ),
    path("manage/webhooks/<int:endpoint_id>/ping/", views.webhook_ping, name="webhook_ping"),
    path("manage/webhooks/<int:endpoint_id>/secret/", views.webhook_rotate, name="webhook_rotate"),
    path("manage/webhooks/<int:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "manage/webhooks/<int:endpoint_id>/messages/<int:message_id>/",
        views.webhook_message,
        name="webhook_message",
    ),
    path(
        "manage/webhooks/<int:endpoint_id>/messages/<int:message_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
