"""
What makes suggestions stale: a delegate's profile, their organisation's
profile or topics, and a registration's approval, consent or organisation.
Each change asks for a (debounced) refresh of the conferences concerned once
its transaction commits. Requests and meetings need none: the pages leave
those people out at read time. ("Not interested" asks for one itself,
matchmaking.proposals.suggestion_dismiss: what it teaches may bring in
people the stored list does not hold; the pages apply it at once.)
"""

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from accounts.models import Registration
from b2b_meetings.matchmaking.models import DelegateProfile, OrganisationTopics
from b2b_meetings.matchmaking.suggestions import suggestions_refresh_soon
from conference.core.models import Organisation

# Registration fields that change who is suggested to whom.
_REGISTRATION_FIELDS = {"status", "directory_consent", "organisation", "organisation_id"}


@receiver(post_save, sender=DelegateProfile, dispatch_uid="matchmaking.profile")
def profile_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        conference_id = (
            Registration.objects.filter(pk=instance.registration_id)
            .values_list("conference_id", flat=True)
            .first()
        )
        if conference_id:
            suggestions_refresh_soon(conference_id)


@receiver(post_save, sender=OrganisationTopics, dispatch_uid="matchmaking.organisation_topics")
def organisation_topics_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        suggestions_refresh_soon(instance.conference_id)


@receiver(m2m_changed, sender=DelegateProfile.topics.through, dispatch_uid="matchmaking.topics")
def profile_topics_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, DelegateProfile):
        profile_saved(DelegateProfile, instance)


@receiver(
    m2m_changed, sender=OrganisationTopics.offered.through, dispatch_uid="matchmaking.offered"
)
@receiver(m2m_changed, sender=OrganisationTopics.sought.through, dispatch_uid="matchmaking.sought")
def organisation_topics_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, OrganisationTopics):
        suggestions_refresh_soon(instance.conference_id)


@receiver(post_save, sender=Organisation, dispatch_uid="matchmaking.organisation")
def organisation_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:
        return
    for conference_id in (
        Registration.objects.filter(organisation=instance)
        .values_list("conference_id", flat=True)
        .distinct()
    ):
        suggestions_refresh_soon(conference_id)


@receiver(post_save, sender=Registration, dispatch_uid="matchmaking.registration")
def registration_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if raw or created:
        return
    if update_fields is not None and not (set(update_fields) & _REGISTRATION_FIELDS):
        return
    suggestions_refresh_soon(instance.conference_id)
