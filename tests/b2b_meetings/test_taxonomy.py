"""
The organisers' side of matchmaking: the conference's taxonomy edited in the
browser (add, rename, reorder, delete, each audited; deleting removes the
topic from the profiles that chose it), and the pairing matrix and boosts,
which start from this conference's defaults.
"""

import pytest

from b2b_meetings.matchmaking import engine, services
from b2b_meetings.matchmaking.settings_defaults import (
    default_boosts,
    default_matrix,
    pair_key,
    value_chain_pairs,
)
from b2b_meetings.models import DelegateProfile, MatchmakingSettings, OrganisationTopics, Topic
from conference.core.models import AuditLog, ValueChain
from tests.factories import ConferenceFactory
from tests.helpers import login, url

pytestmark = pytest.mark.django_db

TAXONOMY = "manage/b2b/taxonomy/"
MATCHMAKING = "manage/b2b/matchmaking/"


def labels(conference):
    return list(
        Topic.objects.filter(conference=conference)
        .order_by("position")
        .values_list("label_en", flat=True)
    )


def add(client, conference, label_en, label_ja=""):
    return client.post(url(conference, TAXONOMY), {"label_en": label_en, "label_ja": label_ja})


# The taxonomy ------------------------------------------------------------------------------


def test_an_organiser_adds_topics_in_english_and_japanese(conference, organiser):
    client = login(organiser)

    assert (
        add(client, conference, "Black mass and recycling", "ブラックマス・リサイクル").status_code
        == 302
    )
    assert add(client, conference, "Cells").status_code == 302

    first, second = Topic.objects.filter(conference=conference).order_by("position")
    assert (first.code, first.label_ja, first.position) == (
        "black-mass-and-recycling",
        "ブラックマス・リサイクル",
        0,
    )
    assert second.position == 1
    assert AuditLog.objects.filter(action="b2b.topic_create").count() == 2
    page = client.get(url(conference, TAXONOMY))
    assert page.status_code == 200
    assert "ブラックマス・リサイクル" in page.content.decode()


def test_a_topic_needs_an_english_label(conference, organiser):
    response = add(login(organiser), conference, "   ", "日本語だけ")

    assert response.status_code == 400
    assert not Topic.objects.exists()


def test_two_topics_with_the_same_label_get_different_codes(conference, organiser):
    client = login(organiser)
    add(client, conference, "Equity")
    add(client, conference, "Equity")

    assert sorted(Topic.objects.values_list("code", flat=True)) == ["equity", "equity-2"]


def test_an_organiser_renames_a_topic_and_its_code_stays(conference, organiser):
    topic = services.topic_create(conference=conference, actor=organiser, label_en="Cels")

    response = login(organiser).post(
        url(conference, f"{TAXONOMY}{topic.pk}/"), {"label_en": "Cells", "label_ja": "電池セル"}
    )

    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.label_en, topic.label_ja, topic.code) == ("Cells", "電池セル", "cels")
    assert AuditLog.objects.filter(action="b2b.topic_update").exists()


def test_an_organiser_reorders_topics(conference, organiser):
    for label in ("Mining", "Refining", "Cells"):
        services.topic_create(conference=conference, actor=organiser, label_en=label)
    cells = Topic.objects.get(label_en="Cells")
    client = login(organiser)

    client.post(url(conference, f"{TAXONOMY}{cells.pk}/move/"), {"direction": "up"})
    assert labels(conference) == ["Mining", "Cells", "Refining"]
    client.post(url(conference, f"{TAXONOMY}{cells.pk}/move/"), {"direction": "up"})
    client.post(url(conference, f"{TAXONOMY}{cells.pk}/move/"), {"direction": "up"})
    assert labels(conference) == ["Cells", "Mining", "Refining"]
    assert list(Topic.objects.order_by("position").values_list("position", flat=True)) == [0, 1, 2]


def test_deleting_a_topic_removes_it_from_profiles_and_organisations(
    conference, organiser, delegate
):
    keep = services.topic_create(conference=conference, actor=organiser, label_en="Equity")
    gone = services.topic_create(conference=conference, actor=organiser, label_en="Export credit")
    profile = DelegateProfile.objects.create(registration=delegate.registration)
    profile.topics.set([keep, gone])
    org_topics = OrganisationTopics.objects.create(
        conference=conference, organisation=delegate.registration.organisation
    )
    org_topics.sought.set([gone])

    page = login(organiser).get(url(conference, TAXONOMY)).content.decode()
    assert "1 person" in page  # the page says who uses it before it is deleted
    response = login(organiser).post(url(conference, f"{TAXONOMY}{gone.pk}/delete/"))

    assert response.status_code == 302
    assert list(profile.topics.all()) == [keep]
    assert not org_topics.sought.exists()
    entry = AuditLog.objects.get(action="b2b.topic_delete")
    assert entry.data == {"code": "export-credit", "people": 1, "organisations": 1}


def test_a_topic_of_another_conference_is_a_404(conference, organiser):
    other = Topic.objects.create(conference=ConferenceFactory(), code="x", label_en="X")

    client = login(organiser)
    assert client.post(url(conference, f"{TAXONOMY}{other.pk}/delete/")).status_code == 404
    assert Topic.objects.filter(pk=other.pk).exists()


def test_delegates_cannot_edit_the_taxonomy(conference, delegate):
    client = login(delegate)

    assert client.get(url(conference, TAXONOMY)).status_code == 403
    assert add(client, conference, "Mine").status_code == 403
    assert not Topic.objects.exists()


# The pairing matrix and boosts -------------------------------------------------------------


def test_the_default_matrix_holds_each_pair_once_with_this_conferences_weights():
    matrix = default_matrix()

    assert set(matrix) == {pair_key(a, b) for a, b in value_chain_pairs()}
    assert all(a <= b for a, b in (key.split(":") for key in matrix))
    assert all(0 <= weight <= 3 for weight in matrix.values())
    assert matrix["oem:recycling"] == matrix["finance:recycling"] == 3
    assert matrix["precursor:refining"] == matrix["cells:precursor"] == 3
    assert matrix["cells:oem"] == matrix["mining:refining"] == 3
    assert matrix["finance:oem"] == 1 and matrix["mining:mining"] == 0
    # The same matrix the suggestion engine's benchmark measures.
    assert engine.Settings.from_stored(matrix=matrix).matrix == {
        tuple(key.split(":")): float(weight) for key, weight in matrix.items()
    }
    for (a, b), weight in engine.DEFAULT_MATRIX.items():
        assert matrix[pair_key(a, b)] == weight
    assert default_boosts() == [["new_entrant", "finance", 2]]


def test_the_matchmaking_page_starts_from_the_defaults(conference, organiser):
    response = login(organiser).get(url(conference, MATCHMAKING))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["pair_oem__recycling"].value() == 3
    assert form["boost0_a"].value() == "new_entrant"
    assert not response.context["saved"]


def matchmaking_data(**overrides):
    data = {
        f"pair_{a}__{b}": weight
        for (a, b), weight in ((key.split(":"), w) for key, w in default_matrix().items())
    }
    data.update({"boost0_a": "new_entrant", "boost0_b": "finance", "boost0_weight": 2})
    data.update(overrides)
    return data


def test_an_organiser_saves_the_matrix_and_boosts(conference, organiser):
    response = login(organiser).post(
        url(conference, MATCHMAKING),
        matchmaking_data(
            pair_mining__oem=1,
            boost1_a="research",
            boost1_b=ValueChain.CELLS,
            boost1_weight=1,
        ),
    )

    assert response.status_code == 302
    settings = MatchmakingSettings.objects.get(conference=conference)
    assert settings.matrix["mining:oem"] == 1
    assert settings.matrix["oem:recycling"] == 3
    assert settings.boosts == [["new_entrant", "finance", 2], ["research", "cells", 1]]
    entry = AuditLog.objects.get(action="b2b.matchmaking_settings")
    assert entry.data == {"pairs": ["mining:oem"], "boosts": True}
    page = login(organiser).get(url(conference, MATCHMAKING))
    assert page.context["saved"] and page.context["form"]["pair_mining__oem"].value() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"pair_mining__oem": 4},
        {"pair_mining__oem": -1},
        {"pair_mining__oem": ""},
        {"boost1_a": "finance"},  # a boost row needs both segments and a weight
        {"boost1_a": "banking", "boost1_b": "finance", "boost1_weight": 1},
    ],
    ids=["over 3", "negative", "empty", "half a boost", "unknown segment"],
)
def test_a_matrix_with_a_wrong_value_is_refused(conference, organiser, overrides):
    response = login(organiser).post(url(conference, MATCHMAKING), matchmaking_data(**overrides))

    assert response.status_code == 400
    assert not MatchmakingSettings.objects.exists()


def test_delegates_cannot_see_the_matchmaking_settings(conference, delegate):
    assert login(delegate).get(url(conference, MATCHMAKING)).status_code == 403
