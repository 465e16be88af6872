"""
Profiles people keep up themselves: a delegate's (photo, bio, job title,
languages, topics, offers and seeks) and their organisation's (logo,
website, country, kind, value chain, topics offered and sought, offers and
seeks in English and Japanese).

Images arrive checked and encoded again (`images.image_prepare`); the
services store them through the storage API, and the files they replace or
remove are deleted once the transaction has committed (new files written by
a transaction that fails are deleted at once), so storage never holds a
photo that no row points to for long, and a row never points to a missing
file.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.services import registration_job_title_set
from b2b_meetings.models import DelegateProfile, OrganisationTopics, Topic
from conference.core.images import ImageSwap
from conference.core.models import Organisation
from conference.core.services import audit_message, audit_record

# The languages a delegate may say they speak (ISO 639-1), in this order.
SPOKEN_LANGUAGES = [
    ("en", _("English")),
    ("ja", _("Japanese")),
    ("hi", _("Hindi")),
    ("ta", _("Tamil")),
    ("te", _("Telugu")),
    ("mr", _("Marathi")),
    ("bn", _("Bengali")),
    ("gu", _("Gujarati")),
    ("kn", _("Kannada")),
    ("ml", _("Malayalam")),
    ("zh", _("Chinese")),
    ("ko", _("Korean")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
]
SPOKEN_LANGUAGE_CODES = [code for code, _label in SPOKEN_LANGUAGES]

# What an organisation's own delegates and the organisers may change.
ORGANISATION_PROFILE_FIELDS = [
    "website",
    "country",
    "kind",
    "value_chain",
    "is_new_entrant",
    "offers",
    "seeks",
    "offers_ja",
    "seeks_ja",
]


def language_labels(codes):
    """The names of `codes` in the active language, in the fixed order."""
    labels = dict(SPOKEN_LANGUAGES)
    return [str(labels[code]) for code in SPOKEN_LANGUAGE_CODES if code in codes]


def _conference_topics(conference, topics):
    """The topics of `topics` that belong to `conference`'s taxonomy (others are dropped)."""
    ids = [topic.pk if isinstance(topic, Topic) else topic for topic in topics]
    return set(Topic.objects.filter(conference=conference, pk__in=ids).values_list("pk", flat=True))


def delegate_profile_update(
    *,
    registration,
    actor,
    bio,
    languages,
    topics,
    offers,
    seeks,
    job_title=None,
    photo=None,
    remove_photo=False,
):
    """
    Save the B2B profile of `registration`, creating it on first save, in one
    transaction (the profile row is locked, so two saves do not interleave;
    the last one wins). `topics` outside the conference's taxonomy and
    unknown language codes are dropped. `photo` is a PreparedImage that
    replaces the photo; `remove_photo` removes it. `job_title` (None: left
    alone) goes through the accounts service, which refuses it once the
    organisers locked registration details (RegistrationError, nothing
    saved). Changed field names are in the audit log.
    """
    conference = registration.conference
    languages = [code for code in SPOKEN_LANGUAGE_CODES if code in set(languages)]
    swap = None
    try:
        with transaction.atomic():
            DelegateProfile.objects.get_or_create(registration=registration)
            profile = DelegateProfile.objects.select_for_update().get(registration=registration)
            changed = []
            if job_title is not None and job_title.strip() != registration.job_title:
                registration_job_title_set(
                    registration=registration, job_title=job_title, actor=actor
                )
                changed.append("job_title")
            for name, value in (("bio", bio), ("offers", offers), ("seeks", seeks)):
                value = value.strip()
                if getattr(profile, name) != value:
                    setattr(profile, name, value)
                    changed.append(name)
            if profile.languages != languages:
                profile.languages = languages
                changed.append("languages")
            swap = ImageSwap(profile, ("photo", "photo_small"))
            if photo is not None:
                swap.replace(photo, "photo")
                changed.append("photo")
            elif remove_photo and profile.photo:
                swap.remove()
                changed.append("photo")
            profile.save()
            wanted = _conference_topics(conference, topics)
            if set(profile.topics.values_list("pk", flat=True)) != wanted:
                profile.topics.set(wanted)
                changed.append("topics")
            if changed:
                audit_record(
                    actor=actor,
                    conference=conference,
                    action="b2b.profile",
                    obj=profile,
                    summary=audit_message(
                        gettext_noop("%(name)s updated their B2B profile: %(fields)s"),
                        name=registration.user.display_name,
                        fields=", ".join(changed),
                    ),
                    data={"fields": changed},
                )
    except BaseException:
        if swap is not None:
            swap.rollback()
        raise
    return profile


def organisation_profile_update(
    *,
    organisation,
    conference,
    actor,
    values,
    offered,
    sought,
    logo=None,
    remove_logo=False,
):
    """
    Save an organisation's profile (`values`: ORGANISATION_PROFILE_FIELDS) and
    its topics offered and sought in `conference`'s taxonomy, in one
    transaction with the organisation's row locked. Concurrent edits: the
    last one wins, and each is audited with the field names it changed (as
    against the row it locked) and a summary naming the organisation and who
    changed it. `logo` is a PreparedImage; `remove_logo` removes the logo.
    Nothing changed, nothing audited.
    """
    unknown = set(values) - set(ORGANISATION_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not organisation profile fields: {sorted(unknown)}")
    swap = None
    try:
        with transaction.atomic():
            org = Organisation.objects.select_for_update().get(pk=organisation.pk)
            changed = []
            for name, value in values.items():
                if isinstance(value, str):
                    value = value.strip()
                if getattr(org, name) != value:
                    setattr(org, name, value)
                    changed.append(name)
            swap = ImageSwap(org, ("logo", "logo_small"))
            if logo is not None:
                swap.replace(logo, "logo")
                changed.append("logo")
            elif remove_logo and org.logo:
                swap.remove()
                changed.append("logo")
            if changed:
                org.save()
            topics, _created = OrganisationTopics.objects.get_or_create(
                conference=conference, organisation=org
            )
            for name, chosen in (("offered", offered), ("sought", sought)):
                wanted = _conference_topics(conference, chosen)
                related = getattr(topics, name)
                if set(related.values_list("pk", flat=True)) != wanted:
                    related.set(wanted)
                    changed.append(f"topics_{name}")
            if changed:
                who = getattr(actor, "email", "") or "someone"
                audit_record(
                    actor=actor,
                    conference=conference,
                    action="b2b.organisation_profile",
                    obj=org,
                    summary=audit_message(
                        gettext_noop("%(organisation)s: profile changed by %(who)s (%(fields)s)"),
                        organisation=org.name,
                        who=who,
                        fields=", ".join(changed),
                    ),
                    data={"fields": changed, "organisation": org.pk},
                )
    except BaseException:
        if swap is not None:
            swap.rollback()
        raise
    for name in [*ORGANISATION_PROFILE_FIELDS, "logo", "logo_small", "updated_at"]:
        setattr(organisation, name, getattr(org, name))
    return org
