"""
Profiles for `seed_demo --scale large`: a position in the value chain that
fits each synthetic organisation's sector and kind, topics offered and
sought drawn from the demo taxonomy, offers/seeks texts paraphrased from
several templates per topic (in Japanese as well for Japanese
organisations), and delegates' bios, languages and interests.

Everything is a pure function of an index, so a re-run computes the same
profiles. The matchmaking benchmark relies on the paraphrases: two
organisations that offer and seek the same topic rarely use the same words.
"""

from conference.core.models import ValueChain
from conference.portal.demo import data

# The demo taxonomy (the small seed creates it; the large one adds what is missing).
TOPICS = data.TAXONOMY

# Sector (the second half of a large organisation's name) -> value chain.
SECTOR_VALUE_CHAIN = {
    "Battery Recycling": ValueChain.RECYCLING,
    "Cathode Materials": ValueChain.PRECURSOR,
    "Lithium Refining": ValueChain.REFINING,
    "Nickel Processing": ValueChain.REFINING,
    "Graphite Works": ValueChain.REFINING,
    "Cell Recovery": ValueChain.RECYCLING,
    "Electric Vehicles": ValueChain.OEM,
    "Motor Works": ValueChain.OEM,
    "Mobility Systems": ValueChain.CELLS,
    "Commercial Vehicles": ValueChain.OEM,
    "Capital Partners": ValueChain.FINANCE,
    "Infrastructure Fund": ValueChain.FINANCE,
    "Green Bank": ValueChain.FINANCE,
    "Development Finance": ValueChain.FINANCE,
    "Minerals Agency": ValueChain.POLICY,
    "Materials Institute": ValueChain.RESEARCH,
    "Energy Research Centre": ValueChain.RESEARCH,
    "Battery Council": ValueChain.POLICY,
    "Circular Economy Forum": ValueChain.POLICY,
    "Battery Logistics": ValueChain.SERVICES,
}
# Australian processors sit at the mine.
MINING_IN_AUSTRALIA = {"Nickel Processing", "Graphite Works", "Lithium Refining"}

# Value chain -> (topics offered, topics sought), most typical first.
VALUE_CHAIN_TOPICS = {
    ValueChain.MINING: (
        ["mining", "traceability", "refining"],
        ["ev_oem_offtake", "project_finance", "export_credit", "equity"],
    ),
    ValueChain.REFINING: (
        ["refining", "traceability", "joint_rnd"],
        ["ev_oem_offtake", "project_finance", "mining", "black_mass_recycling"],
    ),
    ValueChain.PRECURSOR: (
        ["cathode_precursor", "joint_rnd", "traceability"],
        ["refining", "ev_oem_offtake", "equity", "black_mass_recycling"],
    ),
    ValueChain.CELLS: (
        ["cells", "joint_rnd", "ev_oem_offtake"],
        ["cathode_precursor", "project_finance", "black_mass_recycling", "policy_standards"],
    ),
    ValueChain.OEM: (
        ["ev_oem_offtake", "black_mass_recycling", "joint_rnd"],
        ["cells", "cathode_precursor", "rare_earth_magnets", "traceability"],
    ),
    ValueChain.RECYCLING: (
        ["black_mass_recycling", "refining", "traceability"],
        ["ev_oem_offtake", "project_finance", "equity", "joint_rnd"],
    ),
    ValueChain.FINANCE: (
        ["project_finance", "export_credit", "equity"],
        ["black_mass_recycling", "refining", "mining", "cells"],
    ),
    ValueChain.POLICY: (
        ["policy_standards", "traceability", "export_credit"],
        ["joint_rnd", "black_mass_recycling", "rare_earth_magnets"],
    ),
    ValueChain.RESEARCH: (
        ["joint_rnd", "rare_earth_magnets", "policy_standards"],
        ["equity", "cells", "refining", "project_finance"],
    ),
    ValueChain.SERVICES: (
        ["traceability", "black_mass_recycling", "policy_standards"],
        ["ev_oem_offtake", "equity", "export_credit"],
    ),
}

DESCRIPTIONS = {
    ValueChain.MINING: "{name} develops lithium, nickel and graphite deposits in {country}.",
    ValueChain.REFINING: "{name} turns concentrates and black mass into battery-grade chemicals.",
    ValueChain.PRECURSOR: "{name} makes cathode active materials and precursors for cell makers.",
    ValueChain.CELLS: "{name} designs and assembles lithium-ion cells and packs for mobility.",
    ValueChain.OEM: "{name} builds electric two-wheelers, cars and commercial vehicles.",
    ValueChain.RECYCLING: "{name} collects end-of-life batteries and recovers battery metals.",
    ValueChain.FINANCE: "{name} finances critical-mineral and battery projects from {country}.",
    ValueChain.POLICY: "{name} works on rules, standards and supply-chain policy for batteries.",
    ValueChain.RESEARCH: "{name} runs applied research on battery materials and processes.",
    ValueChain.SERVICES: "{name} moves, stores and trades battery materials across borders.",
}

# Topic -> paraphrases of what an organisation offers / seeks about it.
OFFERS = {
    "mining": [
        "Lithium and nickel concentrate from operating mines",
        "Long-life spodumene and graphite resources ready for development",
        "Mine-gate supply of battery minerals with audited ESG data",
    ],
    "refining": [
        "Refining capacity for battery-grade lithium hydroxide",
        "Processing of concentrates into high-purity nickel and cobalt sulphate",
        "Toll refining of intermediates into cathode-ready chemicals",
    ],
    "black_mass_recycling": [
        "Black mass from shredded end-of-life lithium-ion packs",
        "Recycling capacity for production scrap and used EV batteries",
        "Collection network and pre-processing of spent batteries",
    ],
    "cathode_precursor": [
        "NMC and LFP cathode active material at scale",
        "Precursor (pCAM) production with qualified customers",
        "Cathode powders tailored to cell makers' specifications",
    ],
    "cells": [
        "Lithium-ion cell manufacturing lines for two- and four-wheelers",
        "Cell and pack engineering, from prototypes to volume",
        "LFP cells for stationary storage and mobility",
    ],
    "ev_oem_offtake": [
        "Long-term offtake of battery-grade materials for our vehicles",
        "Anchor demand from a growing electric-vehicle fleet",
        "Multi-year purchase commitments for cells and cathode material",
    ],
    "rare_earth_magnets": [
        "Neodymium magnet know-how for traction motors",
        "Rare-earth separation and magnet alloy production",
        "Magnet recycling from motors and electronics",
    ],
    "project_finance": [
        "Long-tenor project finance for processing plants",
        "Debt for bankable refining and recycling projects",
        "Structured finance for first-of-a-kind battery plants",
    ],
    "export_credit": [
        "Export credit and guarantees for equipment and offtake",
        "Buyer's credit backed by an export credit agency",
        "Political-risk cover for cross-border supply contracts",
    ],
    "equity": [
        "Growth equity for battery and critical-mineral companies",
        "Minority stakes and board support for new entrants",
        "Patient capital for scale-up of proven technology",
    ],
    "joint_rnd": [
        "Pilot lines and labs open to joint research",
        "Co-development of next-generation chemistries",
        "Research partnerships with universities and industry",
    ],
    "policy_standards": [
        "Guidance on EPR rules, standards and certification",
        "A seat at the table where battery standards are written",
        "Policy analysis of critical-mineral partnerships",
    ],
    "traceability": [
        "Battery passport and chain-of-custody tracking",
        "Traceable supply with third-party audits",
        "Digital provenance data from mine to cell",
    ],
}
SEEKS = {
    "mining": [
        "Secure supply of lithium and nickel concentrate",
        "Stakes in mines with long-term feedstock rights",
        "Partners with access to graphite and cobalt resources",
    ],
    "refining": [
        "Refining partners for our concentrate and black mass",
        "Access to battery-grade chemical conversion capacity",
        "A refinery that can take our intermediates under toll agreements",
    ],
    "black_mass_recycling": [
        "Reliable black mass and battery scrap feedstock",
        "Recyclers to take back our production scrap and used packs",
        "Partners for closed-loop recovery of battery metals",
    ],
    "cathode_precursor": [
        "Qualified cathode material suppliers",
        "Precursor supply for new cell lines",
        "Buyers for our refined nickel and cobalt in cathode production",
    ],
    "cells": [
        "Cell makers for local manufacturing",
        "Buyers of cells built with our materials",
        "Partners to localise cell and pack assembly",
    ],
    "ev_oem_offtake": [
        "Anchor off-takers among car makers",
        "Long-term offtake agreements with EV manufacturers",
        "OEM customers who commit to multi-year volumes",
    ],
    "rare_earth_magnets": [
        "Secure rare-earth magnet supply outside single sources",
        "Partners for magnet recycling and separation",
        "Alternatives to heavy rare earths in motors",
    ],
    "project_finance": [
        "Long-tenor debt to build our first commercial plant",
        "Lenders for a bankable processing project",
        "Financing for capacity expansion",
    ],
    "export_credit": [
        "Export credit cover for imported equipment",
        "Agency-backed loans for cross-border projects",
        "Guarantees that make our offtake contracts bankable",
    ],
    "equity": [
        "Strategic investors for our next round",
        "Equity partners to scale up a proven process",
        "A co-investor for a joint venture plant",
    ],
    "joint_rnd": [
        "Research partners for new chemistries",
        "Access to pilot lines to validate our process",
        "Joint development with universities and labs",
    ],
    "policy_standards": [
        "Clarity on standards and certification for exports",
        "Dialogue with regulators on recycling rules",
        "Harmonised rules across partner countries",
    ],
    "traceability": [
        "Traceable, audited supply for our customers",
        "Battery passport data from our suppliers",
        "Chain-of-custody systems that satisfy export markets",
    ],
}
OFFERS_JA = {
    "mining": ["稼働中の鉱山からのリチウム・ニッケル精鉱", "開発段階の長寿命鉱床"],
    "refining": [
        "電池グレードの水酸化リチウム精製能力",
        "精鉱から高純度硫酸ニッケル・コバルトへの加工",
    ],
    "black_mass_recycling": [
        "使用済みリチウムイオン電池由来のブラックマス",
        "使用済み電池と工程スクラップのリサイクル能力",
    ],
    "cathode_precursor": ["NMC・LFP正極材の量産", "前駆体（pCAM）の生産"],
    "cells": ["二輪・四輪向けリチウムイオン電池セルの製造", "試作から量産までのセル・パック技術"],
    "ev_oem_offtake": ["車両向け電池材料の長期引取", "拡大するEV需要によるアンカー需要"],
    "rare_earth_magnets": ["駆動モーター用ネオジム磁石の技術", "レアアース分離と磁石合金の製造"],
    "project_finance": [
        "加工プラント向け長期プロジェクトファイナンス",
        "精製・リサイクル事業への融資",
    ],
    "export_credit": ["設備と引取契約への輸出信用・保証", "輸出信用機関による買手信用"],
    "equity": ["電池・重要鉱物企業への成長資金", "新規参入企業への少数出資"],
    "joint_rnd": ["共同研究に開かれたパイロットラインと研究所", "次世代電池材料の共同開発"],
    "policy_standards": ["拡大生産者責任と標準・認証の知見", "重要鉱物パートナーシップの政策分析"],
    "traceability": ["バッテリーパスポートとトレーサビリティ", "第三者監査付きの追跡可能な供給"],
}
SEEKS_JA = {
    "mining": ["リチウム・ニッケル精鉱の安定調達", "長期供給権付きの鉱山権益"],
    "refining": ["精鉱とブラックマスの精製パートナー", "電池グレードへの化学転換能力"],
    "black_mass_recycling": ["ブラックマスと電池スクラップの安定確保", "閉ループ回収のパートナー"],
    "cathode_precursor": ["認定済みの正極材サプライヤー", "新しいセルライン向けの前駆体供給"],
    "cells": ["現地生産のための電池セルメーカー", "セル・パック組立の現地化パートナー"],
    "ev_oem_offtake": ["自動車メーカーのアンカー引取先", "EVメーカーとの長期引取契約"],
    "rare_earth_magnets": ["供給源を分散したレアアース磁石の調達", "磁石リサイクルのパートナー"],
    "project_finance": ["初の商業プラント建設のための長期融資", "加工事業への融資元"],
    "export_credit": ["輸入設備への輸出信用", "国際案件への公的保証付き融資"],
    "equity": ["次回ラウンドの戦略的投資家", "合弁プラントの共同出資者"],
    "joint_rnd": ["新しい電池化学の研究パートナー", "プロセス検証のためのパイロットライン"],
    "policy_standards": ["輸出向け標準・認証の明確化", "リサイクル規制に関する当局との対話"],
    "traceability": [
        "顧客向けの追跡可能な監査済み供給",
        "サプライヤーからのバッテリーパスポートデータ",
    ],
}

COUNTRY_NAMES = {"IN": "India", "JP": "Japan", "AU": "Australia", "US": "the United States"}
LANGUAGES = {
    "IN": [["en", "hi"], ["en"], ["en", "hi", "ta"], ["en", "mr"]],
    "JP": [["ja", "en"], ["ja"], ["ja", "en"]],
    "AU": [["en"], ["en", "ja"], ["en"]],
    "US": [["en"], ["en", "es"], ["en"]],
}
BIOS = [
    "{title} at {org}. Works on {topic}; here to meet partners who can move fast.",
    "{title} with {org}, responsible for {topic} across the region.",
    "At {org} as {title}. Interested in {topic} and in long-term partnerships.",
    "{title}, {org}. Previously in consulting; now focused on {topic}.",
]
BIOS_JA = [
    "{org}の{title}。{topic}を担当し、長期的なパートナーを探しています。",
    "{org}で{title}として{topic}に取り組んでいます。",
]


def value_chain_for(sector, country):
    if country == "AU" and sector in MINING_IN_AUSTRALIA:
        return ValueChain.MINING
    return SECTOR_VALUE_CHAIN[sector]


def _pick(options, i, count):
    """`count` distinct entries of `options`, the first always, the rest by `i`."""
    chosen = [options[0]]
    for step in range(1, len(options)):
        if len(chosen) == count:
            break
        candidate = options[(i + step * 2) % len(options)]
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def _sentence(templates, topics, i):
    return "; ".join(
        templates[code][(i + n) % len(templates[code])] for n, code in enumerate(topics)
    )


def organisation_profile(i, name, sector, country):
    """The profile fields of large organisation number `i`, and its topic codes."""
    value_chain = value_chain_for(sector, country)
    offered_pool, sought_pool = VALUE_CHAIN_TOPICS[value_chain]
    offered = _pick(offered_pool, i, 1 + i % 3)
    sought = _pick(sought_pool, i + 1, 2 + i % 2)
    japanese = country == "JP"
    return {
        "fields": {
            "value_chain": value_chain,
            "description": DESCRIPTIONS[value_chain].format(
                name=name, country=COUNTRY_NAMES.get(country, country)
            ),
            "offers": _sentence(OFFERS, offered, i) + ".",
            "seeks": _sentence(SEEKS, sought, i) + ".",
            "offers_ja": (_sentence(OFFERS_JA, offered, i).replace("; ", "、") + "。")
            if japanese
            else "",
            "seeks_ja": (_sentence(SEEKS_JA, sought, i).replace("; ", "、") + "。")
            if japanese
            else "",
            # Young companies in the processing and recycling sectors.
            "is_new_entrant": value_chain
            in (ValueChain.RECYCLING, ValueChain.REFINING, ValueChain.PRECURSOR)
            and i % 3 == 0,
        },
        "offered": offered,
        "sought": sought,
    }


def delegate_profile(i, *, job_title, organisation_name, country, organisation_topics):
    """Bio, languages and interests (topic codes) of large delegate number `i`."""
    offered, sought = organisation_topics
    pool = [*sought, *offered] or [TOPICS[i % len(TOPICS)][0]]
    interests = _pick(pool, i, 1 + i % 3)
    labels = {code: (en, ja) for code, en, ja in TOPICS}
    first = labels[interests[0]]
    if country == "JP" and i % 2 == 0:
        bio = BIOS_JA[i % len(BIOS_JA)].format(
            org=organisation_name, title=job_title, topic=first[1]
        )
    else:
        bio = BIOS[i % len(BIOS)].format(org=organisation_name, title=job_title, topic=first[0])
    languages = LANGUAGES.get(country, [["en"]])
    return {"bio": bio, "languages": languages[i % len(languages)], "interests": interests}


# More names than conference.portal.demo.data's, so that the People view
# does not list the same name eight times (used for users created from now on).
MORE_GIVEN_NAMES = {
    "IN": ["Arjun", "Meera", "Vikram", "Ishita", "Karthik", "Lakshmi", "Rohan", "Divya"],
    "JP": ["Haruka", "Kenta", "Sakura", "Ren", "Nanami", "Yuto", "Hina", "Kaito"],
    "AU": ["Charlotte", "Oliver", "Amelia", "William", "Harper", "Thomas", "Chloe", "Henry"],
    "US": ["Olivia", "Benjamin", "Madison", "Samuel", "Natalie", "Andrew", "Hannah", "Joshua"],
}
MORE_FAMILY_NAMES = {
    "IN": ["Iyer", "Menon", "Kulkarni", "Singh", "Nair", "Joshi", "Mehta", "Verma"],
    "JP": ["Tanaka", "Watanabe", "Kobayashi", "Saito", "Matsumoto", "Inoue", "Kimura", "Hayashi"],
    "AU": ["Anderson", "Thompson", "Martin", "White", "Walker", "Harris", "King", "Scott"],
    "US": ["Walker", "Hall", "Allen", "Wright", "Scott", "Green", "Baker", "Adams"],
}


def person_name(i, country, given_names, family_names):
    """(given, family) of large delegate number `i`: 16 × 16 combinations per country."""
    given = [*given_names[country], *MORE_GIVEN_NAMES[country]]
    family = [*family_names[country], *MORE_FAMILY_NAMES[country]]
    return given[i % len(given)], family[(i // len(given)) % len(family)]
