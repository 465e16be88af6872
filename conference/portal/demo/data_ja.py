"""
Japanese texts of the demo conference's content, keyed by the English text
in `data`: the conference's own texts, every room and track, every session's
title (the plenaries and panels with their abstracts too) and some speakers'
bios. Texts not listed here exist in English only, so the fallback to the
conference's default language can be seen as well.
"""

JA = {
    # The conference
    "Battery and Critical Minerals Ecosystem Conference": "電池・重要鉱物エコシステム会議",
    "Refining, recycling and financing a trusted battery supply chain": (
        "信頼できる電池サプライチェーンのための精製・リサイクル・ファイナンス"
    ),
    "Two days of plenaries, panels, workshops and closed-door B2B meetings between "
    "battery recyclers, car makers, financiers, governments and researchers from "
    "India, Japan, Australia and the United States.": (
        "インド・日本・オーストラリア・米国の電池リサイクル事業者、自動車メーカー、金融機関、"
        "政府、研究者による2日間の全体会議、パネル、ワークショップ、非公開のB2B商談。"
    ),
    # Rooms
    "Darbar Hall": "ダルバール・ホール",
    "Lotus Room": "ロータス・ルーム",
    "Sakura Room": "さくらルーム",
    "Board Room": "ボードルーム",
    "B2B Lounge": "B2Bラウンジ",
    "Foyer": "ホワイエ",
    # Tracks
    "Refining & processing": "精製・加工",
    "Recycling & circularity": "リサイクル・循環",
    "Offtake & markets": "オフテイク・市場",
    "Finance & bankability": "ファイナンス・バンカビリティ",
    "Research & innovation": "研究・イノベーション",
    "Policy & partnerships": "政策・パートナーシップ",
    # Sessions
    "Registration and welcome coffee": "受付・ウェルカムコーヒー",
    "Opening plenary: a trusted battery supply chain for the Indo-Pacific": (
        "開会全体会議：インド太平洋の信頼できる電池サプライチェーン"
    ),
    "Why India, Japan, Australia and the United States need each other to refine, "
    "recycle and finance battery materials.": (
        "電池材料の精製・リサイクル・資金調達で、インド・日本・オーストラリア・米国が"
        "互いを必要とする理由。"
    ),
    "Coffee break": "コーヒーブレイク",
    "Refining critical minerals in India: from ore to battery-grade chemicals": (
        "インドにおける重要鉱物の精製：鉱石から電池グレードの化学品まで"
    ),
    "Lithium, nickel, cobalt and graphite: what it takes to build refining capacity "
    "in India, and who pays for it.": (
        "リチウム、ニッケル、コバルト、黒鉛：インドに精製能力を築くために必要なこと、"
        "そしてその費用を誰が負担するのか。"
    ),
    "Workshop: from black mass to battery-grade salts": (
        "ワークショップ：ブラックマスから電池グレードの塩へ"
    ),
    "Networking lunch": "ネットワーキングランチ",
    "Securing anchor off-takers for Indian recyclers": (
        "インドのリサイクル事業者のためのアンカー・オフテイカー確保"
    ),
    "What an OEM needs before it signs, and what a recycler needs before it builds.": (
        "OEMが契約前に求めるもの、リサイクル事業者が建設前に求めるもの。"
    ),
    "Closed-door roundtable: minerals security partnership": (
        "非公開円卓会議：鉱物安全保障パートナーシップ"
    ),
    "B2B meetings (day 1)": "B2B商談（1日目）",
    "Masterclass: reading a bankable offtake term sheet": (
        "マスタークラス：融資可能なオフテイク条件書の読み方"
    ),
    "Networking reception hosted by the Embassy of Japan": (
        "在インド日本国大使館主催ネットワーキング・レセプション"
    ),
    "Bankability: what lenders need to see in a battery-materials project": (
        "バンカビリティ：電池材料プロジェクトに融資機関が求めるもの"
    ),
    "Offtake, technology risk, feedstock security and ESG: the lenders' checklist.": (
        "オフテイク、技術リスク、原料の安定確保、ESG：融資機関のチェックリスト。"
    ),
    "Long-term offtake: pricing, volumes and risk sharing": (
        "長期オフテイク：価格、数量、リスク分担"
    ),
    "Index-linked pricing, volume bands and who carries the metal risk.": (
        "指標連動価格、数量の幅、そして金属価格リスクを誰が負うのか。"
    ),
    "Joint R&D: building India–Japan–Australia research consortia": (
        "共同研究開発：日印豪の研究コンソーシアムづくり"
    ),
    "Lunch": "昼食",
    "B2B meetings (day 2)": "B2B商談（2日目）",
    "Financing clinic: structuring a recycling project for export-credit and DFI lending": (
        "ファイナンス相談会：輸出信用・開発金融機関の融資に向けたリサイクル案件の組成"
    ),
    "Recycling at scale: collection networks, EPR and traceability": (
        "大規模リサイクル：回収網、拡大生産者責任、トレーサビリティ"
    ),
    "Extended producer responsibility in India and lessons from Japan.": (
        "インドの拡大生産者責任と日本の教訓。"
    ),
    "Closing plenary: a joint roadmap for critical minerals": (
        "閉会全体会議：重要鉱物の共同ロードマップ"
    ),
    # Speakers' bios
    "Leads international cooperation on critical minerals.": "重要鉱物に関する国際協力を統括。",
    "Works on Japan's resource-security partnerships in the Indo-Pacific.": (
        "インド太平洋における日本の資源安全保障パートナーシップを担当。"
    ),
    "Designed collection schemes for portable and EV batteries.": (
        "小型電池とEV電池の回収スキームを設計。"
    ),
}


def bilingual(english):
    """`english` as a text in several languages: with its Japanese when there is one."""
    if not english:
        return english
    japanese = JA.get(english)
    return {"en": english, "ja": japanese} if japanese else {"en": english}
