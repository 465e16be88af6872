"""
The organisers' side of matchmaking: a conference's taxonomy of topics
(add, rename, reorder, delete) and its pairing matrix and boosts.

Taxonomy changes take the conference's row lock (no key update), so that
two organisers editing at once cannot hand out the same code or position.
Every change is in the audit log.

Deleting a topic that people use removes it from their profiles and from
organisations' topics offered and sought (the rows of the many-to-many
tables go with it): organisers clean up a taxonomy as it grows, and a
refusal would leave them to ask every delegate to untick it first. The page
says how many use a topic before it is deleted.
"""

from django.db import transaction
from django.db.models import Max, Q
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from b2b_meetings.matchmaking.settings_defaults import (
    MAX_WEIGHT,
    default_boosts,
    default_matrix,
    pair_key,
    segment_values,
    value_chain_pairs,
)
from b2b_meetings.models import DelegateProfile, MatchmakingSettings, OrganisationTopics, Topic
from conference.core.models import Conference
from conference.core.services import audit_message, audit_record

CODE_MAX = 50


def _lock_conference(conference):
    Conference.objects.select_for_update(no_key=True).filter(pk=conference.pk).first()


def _free_code(conference, label):
    base = (slugify(label) or "topic")[: CODE_MAX - 4]
    taken = set(
        Topic.objects.filter(conference=conference, code__startswith=base).values_list(
            "code", flat=True
        )
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def topic_create(*, conference, actor, label_en, label_ja="", code=None):
    """
    Add a topic at the end of `conference`'s taxonomy. Its code (stable,
    what suggestions refer to) comes from the English label, made unique in
    the conference, unless `code` is given and free.
    """
    with transaction.atomic():
        _lock_conference(conference)
        if not code or Topic.objects.filter(conference=conference, code=code).exists():
            code = _free_code(conference, code or label_en)
        last = Topic.objects.filter(conference=conference).aggregate(last=Max("position"))["last"]
        topic = Topic.objects.create(
            conference=conference,
            code=code,
            label_en=label_en.strip(),
            label_ja=label_ja.strip(),
            position=0 if last is None else last + 1,
        )
        audit_record(
            actor=actor,
            conference=conference,
            action="b2b.topic_create",
            obj=topic,
            summary=audit_message(gettext_noop("Topic added: %(label)s"), label=topic.label_en),
            data={"code": topic.code},
        )
    return topic


def topic_update(*, topic, actor, label_en, label_ja=""):
    """Rename a topic in English and Japanese (its code stays)."""
    with transaction.atomic():
        _lock_conference(topic.conference)
        topic = Topic.objects.get(pk=topic.pk)
        before = {"label_en": topic.label_en, "label_ja": topic.label_ja}
        topic.label_en, topic.label_ja = label_en.strip(), label_ja.strip()
        changed = [k for k, v in before.items() if getattr(topic, k) != v]
        if changed:
            topic.save(update_fields=changed)
            audit_record(
                actor=actor,
                conference=topic.conference,
                action="b2b.topic_update",
                obj=topic,
                summary=audit_message(
                    gettext_noop("Topic renamed: %(before)s → %(after)s"),
                    before=before["label_en"],
                    after=topic.label_en,
                ),
                data={"fields": changed, "before": before},
            )
    return topic


def topic_move(*, topic, actor, offset):
    """
    Move a topic `offset` places up (negative) or down the list, within its
    ends; positions are numbered again 0, 1, 2, ... Returns whether it moved.
    """
    with transaction.atomic():
        conference = topic.conference
        _lock_conference(conference)
        topics = list(Topic.objects.filter(conference=conference).order_by("position", "label_en"))
        index = next((i for i, t in enumerate(topics) if t.pk == topic.pk), None)
        if index is None:
            return False
        target = max(0, min(len(topics) - 1, index + offset))
        if target == index:
            return False
        topics.insert(target, topics.pop(index))
        for position, item in enumerate(topics):
            item.position = position
        Topic.objects.bulk_update(topics, ["position"])
        audit_record(
            actor=actor,
            conference=conference,
            action="b2b.topic_move",
            obj=topic,
            summary=audit_message(
                gettext_noop("Topic moved: %(label)s to place %(place)s"),
                label=topic.label_en,
                place=target + 1,
            ),
            data={"position": target},
        )
    return True


def topic_usage(*, topic):
    """(profiles, organisations) that use `topic`."""
    people = DelegateProfile.topics.through.objects.filter(topic=topic).count()
    organisations = (
        OrganisationTopics.objects.filter(Q(offered=topic) | Q(sought=topic)).distinct().count()
    )
    return people, organisations


def topic_delete(*, topic, actor):
    """
    Delete a topic; it is removed from every profile and organisation that
    uses it (audited with how many).
    """
    with transaction.atomic():
        conference = topic.conference
        _lock_conference(conference)
        people, organisations = topic_usage(topic=topic)
        audit_record(
            actor=actor,
            conference=conference,
            action="b2b.topic_delete",
            obj=topic,
            summary=audit_message(
                gettext_noop(
                    "Topic deleted: %(label)s (used by %(people)s people, "
                    "%(organisations)s organisations)"
                ),
                label=topic.label_en,
                people=people,
                organisations=organisations,
            ),
            data={"code": topic.code, "people": people, "organisations": organisations},
        )
        topic.delete()


# The pairing matrix and boosts -------------------------------------------------------


def _clean_matrix(matrix):
    clean = {}
    for a, b in value_chain_pairs():
        weight = int(matrix.get(pair_key(a, b), 0) or 0)
        if not 0 <= weight <= MAX_WEIGHT:
            raise ValueError(f"Weight out of range for {a}:{b}: {weight}")
        clean[pair_key(a, b)] = weight
    return clean


def _clean_boosts(boosts):
    segments = set(segment_values())
    clean = []
    for first, second, weight in boosts:
        if first not in segments or second not in segments:
            raise ValueError(f"Unknown segment in boost {first}, {second}")
        if not 0 <= int(weight) <= MAX_WEIGHT:
            raise ValueError(f"Boost weight out of range: {weight}")
        clean.append([first, second, int(weight)])
    return clean


def matchmaking_settings_save(*, conference, actor, matrix, boosts):
    """
    Save `conference`'s pairing matrix (every pair of value-chain positions,
    a missing pair is 0) and boosts ([[segment, segment, weight]]). Raises
    ValueError for weights outside 0–3 or unknown segments (the form
    refuses them first). Audited with the pairs that changed (from the
    defaults, on the first save).
    """
    matrix, boosts = _clean_matrix(matrix), _clean_boosts(boosts)
    with transaction.atomic():
        row, created = MatchmakingSettings.objects.select_for_update().get_or_create(
            conference=conference
        )
        # Until saved, the conference ran on the defaults: a change is a change from them.
        before_matrix = default_matrix() if created else row.matrix
        before_boosts = default_boosts() if created else row.boosts
        changed_pairs = sorted(k for k, v in matrix.items() if before_matrix.get(k) != v)
        boosts_changed = before_boosts != boosts
        row.matrix, row.boosts = matrix, boosts
        row.save()
        if changed_pairs or boosts_changed:
            audit_record(
                actor=actor,
                conference=conference,
                action="b2b.matchmaking_settings",
                obj=row,
                summary=audit_message(
                    gettext_noop("Matchmaking pairs and boosts changed: %(changes)s"),
                    changes=", ".join(changed_pairs + (["boosts"] if boosts_changed else [])),
                ),
                data={"pairs": changed_pairs, "boosts": boosts_changed},
            )
    return row
