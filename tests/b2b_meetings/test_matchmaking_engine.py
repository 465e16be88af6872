"""
The suggestion engine (no database): whom it leaves out, the cap per
organisation, topics matched in both directions, Japanese texts matched by
Japanese texts, reasons strongest first, boosts, determinism, and a planted
instance on which it finds the true counterparts.
"""

import random

import pytest

from b2b_meetings.matchmaking import engine
from b2b_meetings.matchmaking.engine import Person, Settings, suggest
from bench.matchmaking import run as bench_run
from bench.matchmaking.instances import generate


def person(id, organisation, **fields):
    fields.setdefault("organisation_name", f"Org {organisation}")
    return Person(id=id, organisation_id=organisation, **fields)


def recycler(id, organisation, **fields):
    """A recycler that seeks OEM offtake (and offers black mass)."""
    fields.setdefault("value_chain", "recycling")
    fields.setdefault("kind", "recycler")
    fields.setdefault("sought", frozenset({"oem_offtake"}))
    fields.setdefault("offered", frozenset({"black_mass"}))
    return person(id, organisation, **fields)


def oem(id, organisation, **fields):
    """A car maker that offers offtake (and seeks black mass)."""
    fields.setdefault("value_chain", "oem")
    fields.setdefault("kind", "oem")
    fields.setdefault("offered", frozenset({"oem_offtake"}))
    fields.setdefault("sought", frozenset({"black_mass"}))
    return person(id, organisation, **fields)


def targets(result, viewer):
    return [s.target_id for s in result[viewer]]


def codes(suggestion):
    return [reason.code for reason in suggestion.reasons]


def test_it_leaves_out_the_viewer_their_organisation_exclusions_and_non_consenting():
    people = [
        recycler(1, 10),
        recycler(2, 10),  # a colleague, even a perfect match, is never suggested
        oem(3, 20),
        oem(4, 30, consent=False),
        oem(5, 40),  # dismissed by 1
        oem(6, 50),
    ]
    result = suggest(people, exclude={(1, 5)})

    assert targets(result, 1) == [3, 6]
    # Exclusions are per viewer: 2 did not dismiss 5.
    assert 5 in targets(result, 2)
    # A non-consenting person is not suggested but still gets suggestions.
    assert 4 not in targets(result, 2)
    assert targets(result, 4)


def test_an_organisation_has_at_most_two_people_in_a_list():
    people = [recycler(1, 10)]
    people += [oem(100 + i, 20) for i in range(6)]  # six equally good people at one OEM
    people += [oem(200 + i, 30 + i, offered=frozenset()) for i in range(8)]  # weaker OEMs

    result = suggest(people, k=10)[1]

    assert len(result) == 10
    assert sum(1 for s in result if s.target_id in range(100, 106)) == 2
    assert [s.target_id for s in result[:2]] == [100, 101]  # equals: the lower id first


def test_topics_match_in_both_directions():
    viewer = person(1, 10, sought=frozenset({"project_finance"}), offered=frozenset({"cells"}))
    they_offer = person(2, 20, offered=frozenset({"project_finance"}))
    they_seek = person(3, 30, sought=frozenset({"cells"}))
    unrelated = person(4, 40, offered=frozenset({"policy"}), sought=frozenset({"magnets"}))

    result = {s.target_id: s for s in suggest([viewer, they_offer, they_seek, unrelated])[1]}

    assert set(result) == {2, 3}
    assert result[2].reasons[0] == (
        "topic_offer",
        {
            "direction": "they_offer",
            "seeker_org": "Org 10",
            "offerer_org": "Org 20",
            "topic": "project_finance",
            "topics": ["project_finance"],
        },
    )
    assert result[3].reasons[0] == (
        "topic_offer",
        {
            "direction": "they_seek",
            "seeker_org": "Org 30",
            "offerer_org": "Org 10",
            "topic": "cells",
            "topics": ["cells"],
        },
    )


def test_a_japanese_only_offer_is_matched_by_a_japanese_seek():
    viewer = person(
        1, 10, seeks_text="使用済み電池から回収したブラックマスの長期的な引取先を探しています。"
    )
    match = person(
        2,
        20,
        offers_text="当社は2019年創業です。ブラックマスの長期引取に対応可能です。",
    )
    others = [
        person(3, 30, offers_text="新工場向けのプロジェクトファイナンスを提供します。"),
        person(4, 40, offers_text="レアアース永久磁石の供給が可能です。"),
        person(5, 50, offers_text="We provide equity for battery start-ups."),
    ]

    result = suggest([viewer, match, *others])[1]

    assert result[0].target_id == 2
    assert result[0].reasons[0] == (
        "text",
        {"direction": "they_offer", "snippet": "ブラックマスの長期引取に対応可能です。"},
    )


def test_a_topic_omitted_from_a_profile_is_read_from_its_text():
    """Others who ticked "equity" wrote about it; the one who did not tick it is found too."""
    viewer = person(1, 10, sought=frozenset({"equity"}), seeks_text="We need growth equity.")
    tickers = [
        person(
            10 + i,
            100 + i,
            offered=frozenset({"equity"}),
            offers_text=f"We make minority equity investments. Fund {i} is based in Mumbai.",
        )
        for i in range(4)
    ]
    silent = person(30, 300, offers_text="Minority equity investments in recyclers.")
    others = [
        person(
            40 + i,
            400 + i,
            offered=frozenset({"policy"}),
            offers_text=f"Policy dialogue on battery rules. Office {i} in Delhi.",
        )
        for i in range(4)
    ]
    people = [viewer, *tickers, silent, *others]

    ranked = targets(suggest(people), 1)

    assert ranked[:5] == [10, 11, 12, 13, 30]  # the tickers, then the one who only wrote it
    silent = suggest(people)[1][4]
    assert silent.reasons[0] == (
        "text",
        {"direction": "they_offer", "snippet": "Minority equity investments in recyclers."},
    )


def test_reasons_are_strongest_first_and_at_most_three():
    viewer = recycler(
        1,
        10,
        sought=frozenset({"oem_offtake", "joint_rd"}),
        sessions=frozenset({7, 8}),
    )
    target = oem(
        2,
        20,
        offered=frozenset({"oem_offtake", "joint_rd"}),
        sought=frozenset(),
        sessions=frozenset({8, 9}),
    )

    suggestion = suggest([viewer, target])[1][0]

    # topics 2 x 1.0, value chain 3 x 0.5, kind 3 x 0.15; sessions (0.2) left out.
    assert codes(suggestion) == ["topic_offer", "value_chain", "kind"]
    assert suggestion.reasons[0].params["topics"] == ["joint_rd", "oem_offtake"]
    assert suggestion.reasons[1].params == {"a": "recycling", "b": "oem"}
    assert suggestion.reasons[2].params == {"a": "recycler", "b": "oem"}
    assert suggestion.score == pytest.approx(2 + 1.5 + 0.45 + 0.2)


def test_shared_sessions_are_a_reason():
    viewer = person(1, 10, sessions=frozenset({3, 5, 6}))
    target = person(2, 20, sessions=frozenset({5, 6, 9}))

    (suggestion,) = suggest([viewer, target])[1]

    assert suggestion.reasons == (("sessions", {"session_ids": [5, 6]}),)


def test_boosts_apply_in_either_direction():
    settings = Settings(boosts=[("new_entrant", "finance", 2.0)], matrix={})
    newcomer = person(1, 10, value_chain="recycling", new_entrant=True)
    bank = person(2, 20, value_chain="finance")
    other = person(3, 30, value_chain="recycling")

    result = suggest([newcomer, bank, other], settings)

    assert result[1][0].target_id == 2
    assert result[1][0].reasons == (("boost", {"a": "new_entrant", "b": "finance"}),)
    assert result[2][0].reasons == (("boost", {"a": "finance", "b": "new_entrant"}),)
    assert result[3] == []  # no signal at all: nothing suggested


def test_settings_from_stored_json():
    settings = Settings.from_stored(
        {"oem:recycling": 3, "finance:recycling": 2}, [["new_entrant", "finance", 1]]
    )

    assert settings.matrix == {("oem", "recycling"): 3.0, ("finance", "recycling"): 2.0}
    assert settings.boosts == (("new_entrant", "finance", 1.0),)
    assert Settings.from_stored({}, None).matrix == engine.DEFAULT_MATRIX


def test_it_is_deterministic_whatever_the_input_order():
    instance = generate(120, seed=3)
    people = list(instance.people)
    first = suggest(people)
    random.Random(1).shuffle(people)
    second = suggest(people)

    assert first == second
    assert suggest(people, for_ids=[people[0].id, people[1].id]) == {
        people[0].id: first[people[0].id],
        people[1].id: first[people[1].id],
    }


def test_every_suggestion_has_a_reason_and_json_friendly_params():
    instance = generate(120, seed=4)

    for suggestions in suggest(instance.people).values():
        for s in suggestions:
            assert 1 <= len(s.reasons) <= engine.MAX_REASONS
            for code, params in s.reasons:
                assert code in engine.REASON_CODES
                assert all(isinstance(v, str | int | float | list) for v in params.values())


def test_it_finds_the_planted_counterparts():
    instance = generate(500, seed=1)

    ours = bench_run.evaluate(instance, bench_run.ours(instance))
    kind_only = bench_run.evaluate(instance, bench_run.kind_only(instance))

    assert ours["recall_at_10"] >= 0.8
    assert ours["ndcg_at_10"] >= 2 * kind_only["ndcg_at_10"]


# "Not interested" teaches the list --------------------------------------------------


def scores(result, viewer):
    return {s.target_id: s.score for s in result[viewer]}


def test_a_dismissal_drops_the_dismissed_persons_colleagues_by_the_colleague_factor():
    viewer = recycler(1, 10, sessions=frozenset({1, 2, 3}))
    other_viewer = recycler(2, 11)
    people = [
        viewer,
        other_viewer,
        oem(21, 20, sessions=frozenset({1, 2, 3})),  # the best two, colleagues
        oem(22, 20, sessions=frozenset({1, 2, 3})),
        oem(31, 30, sessions=frozenset({1})),
        oem(41, 40),
    ]
    before = suggest(people)
    assert targets(before, 1) == [21, 22, 31, 41]

    after = suggest(people, dismissed={(1, 21)})

    factor = Settings().lessons.colleague_factor
    assert factor == 0.25
    assert targets(after, 1) == [31, 41, 22]
    colleague = after[1][-1]
    assert colleague.score == pytest.approx(scores(before, 1)[22] * factor, abs=1e-3)
    assert colleague.untaught == scores(before, 1)[22]  # kept for the read-time path
    assert colleague.reasons == before[1][1].reasons  # the same reasons, only lower
    # The others' scores do not move, and another viewer's list learns nothing.
    assert scores(after, 1)[31] == scores(before, 1)[31]
    assert after[2] == before[2]


def test_two_dismissals_of_an_organisation_take_it_off_the_list():
    people = [recycler(1, 10), *(oem(20 + i, 20) for i in range(1, 4)), oem(31, 30)]

    # Left out without learning, the third person of organisation 20 would come up.
    assert 23 in targets(suggest(people, exclude={(1, 21), (1, 22)}), 1)
    one = suggest(people, dismissed={(1, 21)})
    two = suggest(people, dismissed={(1, 21), (1, 22)})

    assert targets(one, 1) == [31, 22, 23]  # colleagues fall, but stay
    assert targets(two, 1) == [31]
    assert suggest(people, dismissed={(1, 21), (1, 22)}, for_ids=[23])[23]  # per viewer


def test_organisations_of_the_kind_and_country_of_several_dismissed_ones_fall_mildly():
    people = [
        recycler(1, 10, country="IN"),
        oem(21, 20, country="JP"),
        oem(31, 30, country="JP"),
        oem(41, 40, country="JP"),
        oem(51, 50, country="JP"),  # the same kind and country as those dismissed
        oem(61, 60, country="DE"),  # the same kind, another country
        person(
            71,
            70,
            kind="financier",
            value_chain="finance",
            country="JP",
            offered=frozenset({"oem_offtake"}),
        ),  # the same country, another kind
    ]
    plain = scores(suggest(people), 1)
    similar = Settings().lessons.similar_factor
    assert similar == 0.8

    one = scores(suggest(people, dismissed={(1, 21)}), 1)
    two = scores(suggest(people, dismissed={(1, 21), (1, 31)}), 1)
    three = scores(suggest(people, dismissed={(1, 21), (1, 31), (1, 41)}), 1)

    assert one == {t: s for t, s in plain.items() if t != 21}  # one is no pattern
    assert two[41] == two[51] == pytest.approx(plain[51] * similar, abs=1e-3)
    assert three[51] == pytest.approx(plain[51] * similar**2, abs=1e-3)
    for lesson in (two, three):
        assert lesson[61] == plain[61] and lesson[71] == plain[71]


def test_the_lesson_rule_is_one_for_the_engine_and_the_pages():
    rules = engine.Lessons()
    lesson = engine.Lesson.of(
        [
            engine.Dismissed(1, 20, "oem", "JP"),
            engine.Dismissed(2, 20, "oem", "JP"),  # a second person of organisation 20
            engine.Dismissed(3, 30, "oem", "JP"),
            engine.Dismissed(4, None),  # no organisation: only the person
        ]
    )

    assert lesson.people == {20: 2, 30: 1}
    assert lesson.organisations == {("oem", "JP"): 2}
    assert lesson.removes(20, rules) and lesson.factor(20, "oem", "JP", rules) == 0
    assert lesson.factor(30, "oem", "JP", rules) == pytest.approx(0.25 * 0.8)
    assert lesson.factor(40, "oem", "JP", rules) == pytest.approx(0.8)
    assert lesson.factor(40, "oem", "DE", rules) == 1
    assert lesson.factor(None, "", "", rules) == 1
    assert not engine.Lesson.of([])


def test_without_dismissals_the_lists_are_exactly_the_untaught_ones():
    instance = generate(120, seed=3)
    result = suggest(instance.people)

    for suggestions in result.values():
        assert all(s.untaught == s.score for s in suggestions)
    assert suggest(instance.people, dismissed=set()) == result
