"""
The matchmaking data of a conference: its taxonomy of topics, the profiles
delegates keep up themselves (their organisation's topics per conference
too), the organisers' pairing matrix and boosts, the precomputed
suggestions with their reasons, "not interested", and the meetings the
organisers propose to a pair.

Imported by `b2b_meetings.models`, so that they are models of the B2B app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Registration
from conference.core.models import Conference, Organisation, _image_path


class Topic(models.Model):
    """One entry of a conference's taxonomy, labelled in English and Japanese."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="topics")
    code = models.SlugField(_("code"), max_length=50)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_ja = models.CharField(_("label (Japanese)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "label_en"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.UniqueConstraint(fields=["conference", "code"], name="topic_code_unique"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The label in the active language (English when there is no Japanese one)."""
        if (get_language() or "").startswith("ja") and self.label_ja:
            return self.label_ja
        return self.label_en


class DelegateProfile(models.Model):
    """What a delegate tells the others about themselves, edited by the delegate."""

    MAX_TEXT = 1000

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="profile"
    )
    photo = models.FileField(_("photo"), upload_to=_image_path, blank=True, max_length=200)
    photo_small = models.FileField(upload_to=_image_path, blank=True, max_length=200)
    bio = models.TextField(_("short bio"), max_length=MAX_TEXT, blank=True)
    # Language codes (ISO 639-1), e.g. ["en", "ja", "hi"].
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="+", verbose_name=_("topics"))
    offers = models.TextField(_("what I offer"), max_length=MAX_TEXT, blank=True)
    seeks = models.TextField(_("what I seek"), max_length=MAX_TEXT, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delegate profile")
        verbose_name_plural = _("delegate profiles")

    def __str__(self):
        return f"Profile of {self.registration}"


class OrganisationTopics(models.Model):
    """An organisation's topics offered and sought, in one conference's taxonomy."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="conference_topics"
    )
    offered = models.ManyToManyField(
        Topic, blank=True, related_name="+", verbose_name=_("topics offered")
    )
    sought = models.ManyToManyField(
        Topic, blank=True, related_name="+", verbose_name=_("topics sought")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation topics")
        verbose_name_plural = _("organisation topics")
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "organisation"], name="organisation_topics_unique"
            ),
        ]

    def __str__(self):
        return f"Topics of {self.organisation_id} at {self.conference_id}"


class MatchmakingSettings(models.Model):
    """
    The organisers' tuning of suggestions for one conference: how much each
    pair of value-chain positions complements each other ("recycling:oem":
    3), and boosts between segments (a value-chain position, or
    "new_entrant"), e.g. new entrants and financiers.
    """

    conference = models.OneToOneField(
        Conference, on_delete=models.CASCADE, related_name="matchmaking"
    )
    # {"a:b": weight 0–3}, each unordered pair once, a <= b.
    matrix = models.JSONField(_("value-chain pairs"), default=dict, blank=True)
    # [["new_entrant", "finance", 2], ...]
    boosts = models.JSONField(_("boosts"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matchmaking settings")
        verbose_name_plural = _("matchmaking settings")

    def __str__(self):
        return f"Matchmaking of {self.conference_id}"


class Suggestion(models.Model):
    """
    A precomputed suggested counterpart for a delegate, ranked, with its
    reasons as codes and parameters (rendered in the reader's language).
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="suggestions"
    )
    target = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    # Before the lessons of "not interested" (engine.Lesson), which chose the
    # ranks; the pages multiply it by what the lessons teach at read time.
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["registration", "rank"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "target"], name="suggestion_once_per_pair"
            ),
            models.UniqueConstraint(fields=["registration", "rank"], name="suggestion_rank_unique"),
        ]

    def __str__(self):
        return f"{self.registration_id} → {self.target_id} #{self.rank}"


class SuggestionDismissal(models.Model):
    """ "Not interested": the target is left out of the delegate's suggestions from now on."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed suggestion")
        verbose_name_plural = _("dismissed suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "target"], name="dismissal_once_per_pair"
            ),
        ]

    def __str__(self):
        return f"{self.registration_id} not interested in {self.target_id}"


class MeetingProposal(models.Model):
    """
    A meeting the organisers propose to two delegates. Each accepts with one
    click; once both have, it becomes a request accepted to be scheduled
    (the auto-scheduler's input). Either may decline.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for answers")
        ACCEPTED = "accepted", _("Accepted by both")
        DECLINED = "declined", _("Declined")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(_("why they should meet"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    first_accepted_at = models.DateTimeField(null=True, blank=True)
    second_accepted_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    meeting_request = models.ForeignKey(
        "b2b_meetings.MeetingRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("meeting proposal")
        verbose_name_plural = _("meeting proposals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="proposal_pair_ordered"
            ),
            models.UniqueConstraint(
                fields=["first", "second"],
                condition=models.Q(status="open"),
                name="proposal_one_open_per_pair",
            ),
        ]

    def __str__(self):
        return f"Proposal {self.first_id} & {self.second_id} ({self.status})"
