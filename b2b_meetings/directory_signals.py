"""
What the directory's shared data shows (b2b_meetings.selectors.directory,
`_directory_data`): listed registrations, their organisations, names, profiles
and topics. Any change to one of them forgets that data for the conferences
concerned; bulk writes that send no signal (the demo seed) are outlived
within DIRECTORY_DATA_SECONDS.
"""

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.models import Registration
from b2b_meetings.matchmaking.models import DelegateProfile, OrganisationTopics, Topic
from b2b_meetings.selectors.directory import directory_data_changed
from conference.core.models import Conference, Organisation


def _all_conferences():
    return list(Conference.objects.values_list("pk", flat=True))


@receiver(post_save, sender=Registration, dispatch_uid="directory.registration_saved")
@receiver(post_delete, sender=Registration, dispatch_uid="directory.registration_deleted")
def registration_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        directory_data_changed([instance.conference_id])


@receiver(post_save, sender=Organisation, dispatch_uid="directory.organisation_saved")
@receiver(post_delete, sender=Organisation, dispatch_uid="directory.organisation_deleted")
@receiver(post_save, sender=Topic, dispatch_uid="directory.topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="directory.topic_deleted")
def shared_row_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        directory_data_changed(_all_conferences())


@receiver(post_save, sender=OrganisationTopics, dispatch_uid="directory.topics_saved")
@receiver(post_delete, sender=OrganisationTopics, dispatch_uid="directory.topics_deleted")
def organisation_topics_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        directory_data_changed([instance.conference_id])


@receiver(m2m_changed, sender=OrganisationTopics.offered.through, dispatch_uid="directory.offered")
@receiver(m2m_changed, sender=OrganisationTopics.sought.through, dispatch_uid="directory.sought")
def organisation_topic_links_changed(sender, instance, action, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, OrganisationTopics):
        directory_data_changed([instance.conference_id])
    else:
        directory_data_changed(_all_conferences())


def _profile_conferences(profile):
    return list(
        Registration.objects.filter(pk=profile.registration_id).values_list(
            "conference_id", flat=True
        )
    )


@receiver(post_save, sender=DelegateProfile, dispatch_uid="directory.profile_saved")
@receiver(post_delete, sender=DelegateProfile, dispatch_uid="directory.profile_deleted")
def profile_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        directory_data_changed(_profile_conferences(instance))


@receiver(m2m_changed, sender=DelegateProfile.topics.through, dispatch_uid="directory.interests")
def interests_changed(sender, instance, action, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, DelegateProfile):
        directory_data_changed(_profile_conferences(instance))
    else:
        directory_data_changed(_all_conferences())


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="directory.user_saved")
def user_saved(sender, instance, raw=False, **kwargs):
    # A listed person's name; a login's last_login write changes nothing shown.
    update_fields = kwargs.get("update_fields")
    if raw or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    directory_data_changed(
        list(instance.registrations.values_list("conference_id", flat=True).distinct())
    )
