from django.contrib import admin

from conference.core.models import (
    AuditLog,
    Conference,
    ConferenceRole,
    Heartbeat,
    Job,
    Organisation,
    OutgoingEmail,
    Room,
)


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Conference)
class ConferenceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "start_date", "end_date", "venue", "time_zone"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [RoomInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "confirmed"]
    list_filter = ["kind", "confirmed"]
    search_fields = ["name"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "conference", "capacity", "position"]
    list_filter = ["conference"]


@admin.register(ConferenceRole)
class ConferenceRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "conference", "role"]
    list_filter = ["conference", "role"]
    raw_id_fields = ["user"]
    search_fields = ["user__email"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "kind", "status", "attempts"]
    list_filter = ["status", "kind", "conference"]
    search_fields = ["recipient", "subject", "dedup_key"]
    readonly_fields = ["dedup_key", "created_at", "updated_at", "sent_at", "attempts"]
    raw_id_fields = ["user"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "summary"]
    list_filter = ["action", "conference"]
    search_fields = ["summary", "object_id"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "status", "done", "total"]
    list_filter = ["kind", "status"]
    readonly_fields = ["done", "total"]


admin.site.register(Heartbeat)
