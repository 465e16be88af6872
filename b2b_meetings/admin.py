from django.contrib import admin

from b2b_meetings.models import (
    DelegateProfile,
    MatchmakingSettings,
    Meeting,
    MeetingFeedback,
    MeetingMessage,
    MeetingProposal,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    OrganisationTopics,
    Table,
    Topic,
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


# Matchmaking: the taxonomy, profiles and the organisers' tuning. Images are
# written by the profile services only (EXIF stripped, two sizes), so they are
# read-only here.


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["label_en", "label_ja", "code", "conference", "position"]
    list_filter = ["conference"]
    search_fields = ["label_en", "label_ja", "code"]


@admin.register(DelegateProfile)
class DelegateProfileAdmin(admin.ModelAdmin):
    list_display = ["registration", "updated_at"]
    list_filter = ["registration__conference"]
    raw_id_fields = ["registration"]
    filter_horizontal = ["topics"]
    readonly_fields = ["photo", "photo_small", "updated_at"]


@admin.register(OrganisationTopics)
class OrganisationTopicsAdmin(admin.ModelAdmin):
    list_display = ["organisation", "conference", "updated_at"]
    list_filter = ["conference"]
    raw_id_fields = ["organisation"]
    filter_horizontal = ["offered", "sought"]


@admin.register(MatchmakingSettings)
class MatchmakingSettingsAdmin(admin.ModelAdmin):
    list_display = ["conference", "updated_at"]


@admin.register(MeetingProposal)
class MeetingProposalAdmin(admin.ModelAdmin):
    """Read-only: proposals are made and answered on the portal (audited there)."""

    list_display = ["first", "second", "status", "created_at"]
    list_filter = ["conference", "status"]
    raw_id_fields = ["first", "second", "declined_by", "meeting_request"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MeetingMessage)
class MeetingMessageAdmin(admin.ModelAdmin):
    """Read-only: a thread is its participants' and the organisers' record."""

    list_display = ["conference", "request", "meeting", "author", "created_at"]
    list_filter = ["conference"]
    raw_id_fields = ["request", "meeting", "author", "author_user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
