"""
Seeded matchmaking instances with planted ground truth.

An instance is a conference of organisations, each with a value-chain
position (and the kind that goes with it), a country and true topics
offered and sought (drawn from what its position typically offers and
needs), and 1–4 delegates. The truth is planted in the organisations:

    B is a true counterpart of A  iff  the organisers' matrix rates their
    positions as complementary (>= TRUE_MIN_COMPLEMENT) and B offers a topic
    A seeks and A offers a topic B seeks (their true topics).

The engine never sees the true topics. It sees what people would type:
- profile topics that are noisy: each true topic is ticked with probability
  0.7–0.75, a wrong one is sometimes added, and some organisations tick none;
- offers/seeks texts paraphrased from templates per topic, in English and
  Japanese, several phrasings and synonyms per topic (exact word matching
  is not enough), mentioning most (not all) true topics, with filler
  sentences; Japanese organisations often write only in Japanese;
- delegates' own topics of interest and short texts (noisy, partial);
- session sign-ups correlated with their topics.

`generate(delegates, seed)` is deterministic for its arguments.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from b2b_meetings.matchmaking.engine import DEFAULT_MATRIX, Person

TOPICS = (
    "mining",
    "refining",
    "black_mass",
    "cathode",
    "cells",
    "oem_offtake",
    "magnets",
    "project_finance",
    "export_credit",
    "equity",
    "joint_rd",
    "policy",
    "traceability",
)

# position: (share of organisations, kinds, offered always, offered sometimes, sought pool)
POSITIONS = {
    "recycling": (
        0.20,
        ("recycler",),
        ("black_mass",),
        ("traceability", "refining"),
        ("oem_offtake", "project_finance", "equity", "export_credit", "joint_rd", "refining"),
    ),
    "oem": (
        0.10,
        ("oem",),
        ("oem_offtake",),
        ("joint_rd",),
        ("cells", "black_mass", "traceability", "magnets", "refining"),
    ),
    "finance": (
        0.12,
        ("financier",),
        (),
        ("project_finance", "export_credit", "equity"),
        ("black_mass", "refining", "mining", "cells", "cathode"),
    ),
    "refining": (
        0.12,
        ("other", "recycler"),
        ("refining",),
        ("magnets", "cathode"),
        ("mining", "black_mass", "project_finance", "export_credit", "oem_offtake", "joint_rd"),
    ),
    "mining": (
        0.10,
        ("other",),
        ("mining",),
        ("magnets",),
        ("project_finance", "equity", "export_credit", "oem_offtake", "refining", "traceability"),
    ),
    "precursor": (
        0.07,
        ("other",),
        ("cathode",),
        (),
        ("refining", "cells", "project_finance", "joint_rd", "equity"),
    ),
    "cells": (
        0.08,
        ("other",),
        ("cells",),
        (),
        ("cathode", "refining", "oem_offtake", "joint_rd", "equity", "black_mass"),
    ),
    "research": (
        0.07,
        ("research",),
        ("joint_rd",),
        ("traceability",),
        ("project_finance", "equity", "black_mass", "cells", "oem_offtake"),
    ),
    "policy": (
        0.07,
        ("government", "industry_body"),
        ("policy",),
        ("traceability",),
        ("joint_rd", "black_mass", "traceability", "mining"),
    ),
    "services": (
        0.07,
        ("other",),
        ("traceability",),
        ("mining",),
        ("mining", "refining", "black_mass"),
    ),
}

# What a topic is called, several ways, in each language.
PHRASES = {
    "mining": {
        "en": (
            "lithium and nickel ore",
            "mine output of battery metals",
            "spodumene concentrate",
            "raw lithium and cobalt supply",
        ),
        "ja": (
            "リチウム鉱石",
            "電池用金属の鉱山生産物",
            "スポジュメン精鉱",
            "ニッケル・コバルト原料",
        ),
    },
    "refining": {
        "en": (
            "battery-grade refining",
            "refined lithium hydroxide",
            "hydrometallurgical processing",
            "conversion into battery-grade chemicals",
        ),
        "ja": ("電池グレードの精製", "水酸化リチウムの精製", "湿式製錬", "電池材料への化学処理"),
    },
    "black_mass": {
        "en": (
            "black mass from recycled batteries",
            "recycled battery feedstock",
            "end-of-life battery recycling",
            "shredded battery scrap",
        ),
        "ja": (
            "ブラックマス",
            "使用済み電池のリサイクル",
            "リサイクル原料",
            "電池スクラップの回収",
        ),
    },
    "cathode": {
        "en": (
            "cathode active material",
            "precursor (pCAM) production",
            "NMC and LFP cathode powders",
            "cathode materials",
        ),
        "ja": ("正極活物質", "前駆体の生産", "NMC・LFP正極材", "正極材料"),
    },
    "cells": {
        "en": (
            "lithium-ion cell manufacturing",
            "battery cells and packs",
            "cell production capacity",
            "gigafactory cell output",
        ),
        "ja": (
            "リチウムイオン電池セルの製造",
            "電池セルとパック",
            "セル生産能力",
            "ギガファクトリーのセル",
        ),
    },
    "oem_offtake": {
        "en": (
            "long-term offtake agreements",
            "anchor offtake of battery-grade materials",
            "secure supply contracts with car makers",
            "EV maker purchase commitments",
        ),
        "ja": (
            "長期引取契約",
            "電池材料のアンカー引取",
            "自動車メーカーとの安定供給契約",
            "EVメーカーの購入コミットメント",
        ),
    },
    "magnets": {
        "en": (
            "rare-earth permanent magnets",
            "NdFeB magnet supply",
            "rare-earth separation",
            "magnet materials for motors",
        ),
        "ja": ("レアアース永久磁石", "ネオジム磁石の供給", "レアアース分離", "モーター用磁石材料"),
    },
    "project_finance": {
        "en": (
            "project finance for new plants",
            "long-tenor debt for processing plants",
            "non-recourse project loans",
            "bankable project financing",
        ),
        "ja": (
            "新工場向けプロジェクトファイナンス",
            "長期のプロジェクト融資",
            "ノンリコースローン",
            "事業融資",
        ),
    },
    "export_credit": {
        "en": (
            "export credit and guarantees",
            "ECA-backed loans",
            "export credit insurance",
            "trade and export finance",
        ),
        "ja": ("輸出信用と保証", "輸出信用機関の融資", "貿易保険", "輸出金融"),
    },
    "equity": {
        "en": (
            "equity investment",
            "growth capital for scale-up",
            "minority equity stakes",
            "venture and private equity",
        ),
        "ja": ("出資", "成長資金の出資", "少数株主としての出資", "ベンチャー投資"),
    },
    "joint_rd": {
        "en": (
            "joint research and development",
            "R&D collaboration on new chemistries",
            "pilot lines and joint testing",
            "co-development of recycling processes",
        ),
        "ja": (
            "共同研究開発",
            "新しい化学系の研究協力",
            "パイロットラインでの共同試験",
            "リサイクル工程の共同開発",
        ),
    },
    "policy": {
        "en": (
            "policy and standards dialogue",
            "regulatory guidance on battery rules",
            "standards for battery passports",
            "government incentive schemes",
        ),
        "ja": ("政策・標準化の対話", "電池規制の指針", "電池パスポートの標準", "政府の支援制度"),
    },
    "traceability": {
        "en": (
            "supply-chain traceability",
            "battery passport and material tracking",
            "responsible sourcing audits",
            "chain-of-custody certification",
        ),
        "ja": (
            "サプライチェーンのトレーサビリティ",
            "電池パスポートと材料追跡",
            "責任ある調達の監査",
            "来歴証明",
        ),
    },
}

OFFER_TEMPLATES = {
    "en": (
        "We offer {}.",
        "We provide {} to partners.",
        "Our company can supply {}.",
        "We are able to deliver {}.",
        "Partners can count on us for {}.",
    ),
    "ja": (
        "{}を提供します。",
        "当社は{}を提供できます。",
        "{}に対応可能です。",
        "{}の実績があります。",
    ),
}
SEEK_TEMPLATES = {
    "en": (
        "We are looking for {}.",
        "We seek {}.",
        "Looking for partners for {}.",
        "We need {} for our next phase.",
        "Interested in {}.",
    ),
    "ja": (
        "{}を求めています。",
        "{}を探しています。",
        "{}のパートナーを募集しています。",
        "{}が必要です。",
    ),
}
FILLER = {
    "en": (
        "Founded in {year}, we operate from {city}.",
        "Our team of {people} people works across the region.",
        "We are listed and growing fast.",
    ),
    "ja": (
        "{year}年創業、{city}に拠点があります。",
        "従業員は{people}名です。",
        "事業を拡大しています。",
    ),
}
CITIES = ("Pune", "Chennai", "Perth", "Tokyo", "Nagoya", "Detroit", "Osaka", "Gujarat", "Seoul")
COUNTRIES = (("IN", 0.45), ("JP", 0.25), ("AU", 0.15), ("US", 0.10), ("KR", 0.05))

# The organisers' matrix in the benchmark: the engine's default.
MATRIX = DEFAULT_MATRIX
TRUE_MIN_COMPLEMENT = 2
SESSIONS = 24


@dataclass(frozen=True)
class Instance:
    people: tuple[Person, ...]
    # organisation id -> the organisation ids that are its true counterparts
    truth: dict[int, frozenset[int]]
    organisations: int
    # organisation id -> its true topics (hidden from the engine)
    offered: dict[int, frozenset[str]]
    sought: dict[int, frozenset[str]]
    seed: int


def complement(a, b):
    return MATRIX.get((a, b), MATRIX.get((b, a), 0))


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _sentence(rng, topic, templates, language):
    return rng.choice(templates[language]).format(rng.choice(PHRASES[topic][language]))


def _text(rng, topics, templates, languages, *, mention=0.85, filler=False):
    """A paraphrase of `topics` in each of `languages`, most topics mentioned."""
    out = []
    for language in languages:
        parts = [_sentence(rng, t, templates, language) for t in topics if rng.random() < mention]
        if filler and rng.random() < 0.7:
            parts.insert(
                rng.randrange(len(parts) + 1),
                rng.choice(FILLER[language]).format(
                    year=rng.randrange(1950, 2024),
                    city=rng.choice(CITIES),
                    people=rng.randrange(20, 5000),
                ),
            )
        rng.shuffle(parts)
        out.append((" " if language == "en" else "").join(parts))
    return "\n".join(x for x in out if x)


def _noisy(rng, topics, keep):
    """Profile topics as ticked: each true one with probability `keep`, sometimes a wrong one."""
    ticked = {t for t in topics if rng.random() < keep}
    if rng.random() < 0.15:
        ticked.add(rng.choice(TOPICS))
    return frozenset(ticked)


def generate(delegates=1000, seed=0):
    """An instance with about `delegates` delegates (2.5 per organisation on average)."""
    rng = random.Random(seed)
    organisations = max(2, round(delegates / 2.5))
    positions = list(POSITIONS)
    shares = [POSITIONS[p][0] for p in positions]
    session_topics = [frozenset(rng.sample(TOPICS, rng.choice((1, 2)))) for _ in range(SESSIONS)]

    orgs = []
    for number in range(organisations):
        position = rng.choices(positions, weights=shares)[0]
        _, kinds, always, sometimes, pool = POSITIONS[position]
        offered = set(always) | {t for t in sometimes if rng.random() < 0.5}
        if not offered:
            offered = {rng.choice(sometimes)}
        sought = set(rng.sample(pool, rng.randint(2, min(4, len(pool))))) - offered
        country = _weighted(rng, COUNTRIES)
        if country == "JP":
            languages = _weighted(rng, ((("ja",), 0.4), (("en", "ja"), 0.5), (("en",), 0.1)))
        else:
            languages = ("en",)
        no_text = rng.random() < 0.05
        no_topics = rng.random() < 0.10
        orgs.append(
            {
                "id": 1000 + number,
                "name": f"{position.title()} {number} {country}",
                "position": position,
                "kind": rng.choice(kinds),
                "country": country,
                "languages": languages,
                "new_entrant": position in ("recycling", "refining", "mining")
                and rng.random() < 0.3,
                "offered": frozenset(offered),
                "sought": frozenset(sought),
                "profile_offered": frozenset() if no_topics else _noisy(rng, offered, 0.75),
                "profile_sought": frozenset() if no_topics else _noisy(rng, sought, 0.7),
                "offers_text": ""
                if no_text
                else _text(rng, sorted(offered), OFFER_TEMPLATES, languages, filler=True),
                "seeks_text": ""
                if no_text
                else _text(rng, sorted(sought), SEEK_TEMPLATES, languages),
            }
        )

    truth = {}
    for a in orgs:
        truth[a["id"]] = frozenset(
            b["id"]
            for b in orgs
            if b is not a
            and complement(a["position"], b["position"]) >= TRUE_MIN_COMPLEMENT
            and a["sought"] & b["offered"]
            and b["sought"] & a["offered"]
        )

    # Delegates: 1–4 per organisation, as many as asked in all.
    sizes = [1] * organisations
    while sum(sizes) < delegates:
        i = rng.randrange(organisations)
        if sizes[i] < 4:
            sizes[i] += 1
    ids = rng.sample(range(1, 10 * delegates + 1), delegates)  # ids carry no order
    people = []
    for org, size in zip(orgs, sizes, strict=True):
        for _ in range(size):
            people.append(_delegate(rng, ids.pop(), org, session_topics))
    rng.shuffle(people)
    return Instance(
        people=tuple(people),
        truth=truth,
        organisations=organisations,
        offered={org["id"]: org["offered"] for org in orgs},
        sought={org["id"]: org["sought"] for org in orgs},
        seed=seed,
    )


def _delegate(rng, person_id, org, session_topics):
    cares = org["sought"] | org["offered"]
    interests = {t for t in org["sought"] if rng.random() < 0.5}
    interests |= {t for t in org["offered"] if rng.random() < 0.2}
    if rng.random() < 0.1:
        interests.add(rng.choice(TOPICS))
    language = rng.choice(org["languages"])
    own_seeks = own_offers = ""
    if rng.random() < 0.4:
        own_seeks = _text(rng, rng.sample(sorted(org["sought"]), 1), SEEK_TEMPLATES, (language,))
    if rng.random() < 0.3:
        own_offers = _text(rng, rng.sample(sorted(org["offered"]), 1), OFFER_TEMPLATES, (language,))
    sessions = frozenset(
        number
        for number, topics in enumerate(session_topics, start=1)
        if rng.random() < (0.35 if topics & (cares | interests) else 0.04)
    )
    return Person(
        id=person_id,
        organisation_id=org["id"],
        organisation_name=org["name"],
        kind=org["kind"],
        value_chain=org["position"],
        country=org["country"],
        new_entrant=org["new_entrant"],
        topics=frozenset(interests),
        offered=org["profile_offered"],
        sought=org["profile_sought"],
        offers_text="\n".join(x for x in (own_offers, org["offers_text"]) if x),
        seeks_text="\n".join(x for x in (own_seeks, org["seeks_text"]) if x),
        sessions=sessions,
        consent=rng.random() < 0.95,
    )
