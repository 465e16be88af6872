"""
Reads of profiles and their images, scoped to who asks.

Who may see a person's photo: the person; the conference's organisers; and
the conference's other approved delegates when the person is approved and
listed in the directory (consented). An organisation's logo: whoever may
see the directory's organisation (it has an approved, consenting delegate
at this conference), its own delegates, and the organisers when the
organisation has anyone registered at this conference. Anyone else learns
nothing: the views answer 404, as for an image that does not exist.

Pages that show photos and logos use `photo_url` / `logo_url` (a URL or
None) on rows read with `registrations_with_profiles`, so that a list of
people costs no query per person.
"""

from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse

from accounts.models import Registration
from b2b_meetings.models import DelegateProfile, OrganisationTopics, Topic
from conference.core.models import Organisation


def _listed(conference):
    """Registrations shown in the directory: approved and consenting."""
    return Registration.objects.filter(
        conference=conference,
        status=Registration.Status.APPROVED,
        directory_consent=True,
    )


def _version(file):
    # The stored name holds a fresh random folder per upload: a new image is a
    # new URL, so a browser's private copy of the old one is never shown.
    return file.name.split("/")[-2] if file.name.count("/") >= 2 else ""


def profile_of(registration):
    """`registration.profile`, or None before the delegate saved one."""
    try:
        return registration.profile
    except DelegateProfile.DoesNotExist:
        return None


def photo_url(registration, size="small", *, conference=None):
    """
    The address of `registration`'s photo (`size` "small" or "large"), or
    None without one. Reads `registration.profile` (select it with
    `registrations_with_profiles`) and the conference's slug (`conference`,
    or `registration.conference`). The view still checks who asks.
    """
    profile = profile_of(registration)
    if profile is None or not profile.photo:
        return None
    slug = (conference or registration.conference).slug
    address = reverse("b2b_meetings:profile_photo", args=[slug, registration.pk, size])
    return f"{address}?v={_version(profile.photo)}"


def logo_url(organisation, conference, size="small"):
    """The address of `organisation`'s logo at `conference`, or None without one."""
    if not organisation.logo:
        return None
    address = reverse(
        "b2b_meetings:organisation_logo", args=[conference.slug, organisation.pk, size]
    )
    return f"{address}?v={_version(organisation.logo)}"


def registrations_with_profiles(registrations, *, topics=False):
    """
    `registrations` (a queryset) with each one's profile joined, and with
    `topics` its profile's topics prefetched (one more query for the whole
    list): then `photo_url`, `registration.profile.bio` and the topics cost
    no query per person.
    """
    registrations = registrations.select_related("profile")
    if topics:
        registrations = registrations.prefetch_related(
            Prefetch("profile__topics", queryset=Topic.objects.order_by("position", "label_en"))
        )
    return registrations


# The images' owners, for the views that serve them ------------------------------------


def photo_owner(*, access, registration_id):
    """
    The registration whose photo `access` may see, with its profile, or None
    (not visible, not at this conference, or no such registration).
    """
    registrations = Registration.objects.filter(conference=access.conference).select_related(
        "profile"
    )
    me = access.registration
    if (me is not None and me.pk == registration_id) or access.is_organiser:
        pass  # themself, or an organiser: any registration of this conference
    elif access.is_delegate:
        registrations = registrations.filter(
            status=Registration.Status.APPROVED, directory_consent=True
        )
    else:
        return None
    return registrations.filter(pk=registration_id).first()


def _registered_here(conference):
    return Registration.objects.filter(conference=conference, organisation=OuterRef("pk"))


def logo_owner(*, access, organisation_id):
    """The organisation whose logo `access` may see, or None."""
    organisations = Organisation.objects.filter(pk=organisation_id)
    me = access.registration
    if access.is_organiser:
        return organisations.filter(Exists(_registered_here(access.conference))).first()
    if me is not None and access.is_delegate and me.organisation_id == organisation_id:
        return organisations.first()
    if access.is_delegate:
        listed = _listed(access.conference).filter(organisation=OuterRef("pk"))
        return organisations.filter(Exists(listed)).first()
    return None


# Editing ----------------------------------------------------------------------------------


def profile_for_edit(*, registration):
    """`registration`'s profile with its topics, or a new unsaved one (a GET writes nothing)."""
    profile = (
        DelegateProfile.objects.filter(registration=registration).prefetch_related("topics").first()
    )
    if profile is None:
        return DelegateProfile(registration=registration)
    profile.registration = registration  # and so registration.profile, for photo_url
    return profile


def profile_topic_ids(profile):
    """The ids of a profile's topics (none for an unsaved profile)."""
    if profile.pk is None:
        return []
    return [topic.pk for topic in profile.topics.all()]


def can_edit_organisation(*, access, organisation):
    """Whether `access` may edit `organisation`'s profile (its approved delegates, organisers)."""
    me = access.registration
    if access.is_delegate and me.organisation_id == organisation.pk:
        return True
    return access.is_organiser and (
        Registration.objects.filter(
            conference=access.conference, organisation=organisation
        ).exists()
    )


def editable_organisation(*, access, organisation_id):
    """
    The organisation `access` may edit, or None: its own approved delegates
    at this conference, and the organisers for an organisation with someone
    registered at this conference.
    """
    me = access.registration
    if access.is_delegate and me.organisation_id == organisation_id:
        return Organisation.objects.filter(pk=organisation_id).first()
    if access.is_organiser:
        return (
            Organisation.objects.filter(pk=organisation_id)
            .filter(Exists(_registered_here(access.conference)))
            .first()
        )
    return None


def organisation_topic_ids(*, conference, organisation):
    """(offered ids, sought ids) of `organisation` in `conference`'s taxonomy."""
    row = (
        OrganisationTopics.objects.filter(conference=conference, organisation=organisation)
        .prefetch_related("offered", "sought")
        .first()
    )
    if row is None:
        return [], []
    return [t.pk for t in row.offered.all()], [t.pk for t in row.sought.all()]
