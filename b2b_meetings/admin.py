from django.contrib import admin

from b2b_meetings.models import (
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Table,
    Unavailability,
)


@admin.register(MeetingSlot)
class MeetingSlotAdmin(admin.ModelAdmin):
    list_display = ["conference", "starts_at", "ends_at"]
    list_filter = ["conference"]


@admin.register(Table)
class TableAdmin(admin.ModelAdmin):
    list_display = ["label", "room", "conference", "seats", "is_active"]
    list_filter = ["conference", "room"]


@admin.register(Unavailability)
class UnavailabilityAdmin(admin.ModelAdmin):
    list_display = ["registration", "slot"]
    raw_id_fields = ["registration", "slot"]


@admin.register(MeetingRequest)
class MeetingRequestAdmin(admin.ModelAdmin):
    list_display = ["requester", "target_registration", "target_organisation", "status"]
    list_filter = ["conference", "status", "priority"]
    raw_id_fields = [
        "requester",
        "target_registration",
        "target_organisation",
        "responded_by",
    ]


class MeetingSeatInline(admin.TabularInline):
    model = MeetingSeat
    extra = 0
    raw_id_fields = ["registration", "slot"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["pk", "conference", "slot", "table", "status", "locked"]
    list_filter = ["conference", "status", "locked"]
    raw_id_fields = ["request", "slot", "table", "created_by"]
    readonly_fields = ["sequence"]
    inlines = [MeetingSeatInline]


@admin.register(MeetingFeedback)
class MeetingFeedbackAdmin(admin.ModelAdmin):
    list_display = ["meeting", "registration", "outcome", "created_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["meeting", "registration"]
