from django.urls import path

from b2b_meetings.matchmaking.views import organiser, profiles, suggestions

# Included under events/<slug>/ (b2b_meetings/urls.py), in the b2b_meetings namespace.
urlpatterns = [
    # Profiles and their images
    path("b2b/profile/", profiles.profile_edit, name="profile_edit"),
    path(
        "b2b/organisations/<int:organisation_id>/edit/",
        profiles.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "b2b/people/<int:registration_id>/photo/<str:size>/",
        profiles.profile_photo,
        name="profile_photo",
    ),
    path(
        "b2b/organisations/<int:organisation_id>/logo/<str:size>/",
        profiles.organisation_logo,
        name="organisation_logo",
    ),
    # Organisers: the taxonomy, the pairing matrix and boosts
    path("manage/b2b/taxonomy/", organiser.manage_taxonomy, name="manage_taxonomy"),
    path(
        "manage/b2b/taxonomy/<int:topic_id>/",
        organiser.manage_topic_edit,
        name="manage_topic_edit",
    ),
    path(
        "manage/b2b/taxonomy/<int:topic_id>/move/",
        organiser.manage_topic_move,
        name="manage_topic_move",
    ),
    path(
        "manage/b2b/taxonomy/<int:topic_id>/delete/",
        organiser.manage_topic_delete,
        name="manage_topic_delete",
    ),
    path("manage/b2b/matchmaking/", organiser.manage_matchmaking, name="manage_matchmaking"),
    # Suggested meetings (stable: b2b/suggestions/ and b2b/suggestions.json)
    path("b2b/suggestions/", suggestions.suggestions, name="suggestions"),
    path("b2b/suggestions.json", suggestions.suggestions_json, name="suggestions_json"),
    path(
        "b2b/suggestions/<int:registration_id>/dismiss/",
        suggestions.suggestion_dismiss,
        name="suggestion_dismiss",
    ),
    path("b2b/proposals/<int:proposal_id>/", suggestions.proposal, name="proposal"),
    path(
        "b2b/proposals/<int:proposal_id>/answer/",
        suggestions.proposal_answer,
        name="proposal_answer",
    ),
    path(
        "manage/b2b/matchmaking/suggestions/",
        suggestions.manage_suggestions,
        name="manage_suggestions",
    ),
    path(
        "manage/b2b/matchmaking/propose/",
        suggestions.manage_propose,
        name="manage_propose",
    ),
]
