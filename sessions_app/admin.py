from django.contrib import admin

from sessions_app.models import (
    ScheduleRelease,
    Session,
    SessionSignup,
    SessionSpeaker,
    Speaker,
    Track,
)


class SessionSpeakerInline(admin.TabularInline):
    model = SessionSpeaker
    extra = 0
    raw_id_fields = ["speaker"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "conference",
        "kind",
        "starts_at",
        "room",
        "capacity",
        "taken",
    ]
    list_filter = ["conference", "kind", "track", "published", "is_cancelled"]
    search_fields = ["title"]
    readonly_fields = ["taken", "sequence"]
    inlines = [SessionSpeakerInline]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", "conference", "position"]
    list_filter = ["conference"]


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "conference"]
    list_filter = ["conference"]
    search_fields = ["name"]
    raw_id_fields = ["registration"]


@admin.register(SessionSignup)
class SessionSignupAdmin(admin.ModelAdmin):
    list_display = ["session", "registration", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["session", "registration"]


@admin.register(ScheduleRelease)
class ScheduleReleaseAdmin(admin.ModelAdmin):
    list_display = ["conference", "number", "published_at", "published_by"]
    readonly_fields = ["snapshot", "changes"]
