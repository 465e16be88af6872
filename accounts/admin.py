from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, Registration, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "given_name", "family_name", "is_active", "is_staff"]
    search_fields = ["email", "given_name", "family_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Person"),
            {
                "fields": [
                    "given_name",
                    "family_name",
                    "family_name_first",
                    "language",
                    "time_zone",
                ]
            },
        ),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "conference", "role", "status", "created_at", "sent_at"]
    list_filter = ["conference", "status", "role"]
    search_fields = ["email", "name"]
    raw_id_fields = ["organisation", "invited_by", "accepted_by"]
    readonly_fields = ["send_count"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["user", "conference", "organisation", "status", "checked_in_at"]
    list_filter = ["conference", "status", "organisation__kind"]
    search_fields = ["user__email", "user__family_name", "organisation__name"]
    raw_id_fields = ["user", "organisation"]
    # ID document data is for the security role, through its own export.
    exclude = ["id_document_type", "id_document_number", "id_document_expiry"]
