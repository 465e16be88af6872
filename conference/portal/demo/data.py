"""
The cast and programme of the demo conference built by `manage.py seed_demo`.

Organisations are real (public facts only: kind, country, website, a plain
description); every person is fictional. Times are local to the conference
(Asia/Kolkata); `day` counts from the first day of the conference.
"""

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 -- printed on purpose; demo logins only

CONFERENCE = {
    "slug": "bcmec",
    "name": "Battery and Critical Minerals Ecosystem Conference",
    "tagline": "Refining, recycling and financing a trusted battery supply chain",
    "description": (
        "Two days of plenaries, panels, workshops and closed-door B2B meetings between "
        "battery recyclers, car makers, financiers, governments and researchers from "
        "India, Japan, Australia and the United States."
    ),
    "host": "Embassy of Japan in New Delhi",
    "venue": "The Leela Palace New Delhi",
    "address": "Diplomatic Enclave, Chanakyapuri, New Delhi 110023, India",
    "time_zone": "Asia/Kolkata",
    "contact_email": "bcmec@example.org",
    "sender_name": "BCMEC Secretariat",
}
# The conference starts this many days after the day the seed first runs.
STARTS_IN_DAYS = 21
LENGTH_DAYS = 2

ROOMS = [
    # name, capacity, location
    ("Darbar Hall", 300, "Ground floor"),
    ("Lotus Room", 120, "First floor"),
    ("Sakura Room", 40, "First floor"),
    ("Board Room", 20, "Second floor, security-cleared"),
    ("B2B Lounge", 40, "Ground floor, next to the Darbar Hall"),
    ("Foyer", None, "Ground floor"),
]

TRACKS = [
    # name, colour (one of the palette in static/css/portal.css)
    ("Refining & processing", "amber"),
    ("Recycling & circularity", "emerald"),
    ("Offtake & markets", "indigo"),
    ("Finance & bankability", "violet"),
    ("Research & innovation", "sky"),
    ("Policy & partnerships", "slate"),
]

ORGANISATIONS = [
    {
        "name": "Lohum",
        "kind": "recycler",
        "country": "IN",
        "website": "https://lohum.com",
        "description": "Indian producer of battery materials from recycled lithium-ion cells, "
        "with a second-life energy-storage business.",
        "offers": "Recycled lithium, nickel and cobalt salts; second-life battery packs.",
        "seeks": "Anchor off-takers among OEMs; long-tenor project finance; scrap supply.",
    },
    {
        "name": "Attero Recycling",
        "kind": "recycler",
        "country": "IN",
        "website": "https://attero.in",
        "description": "Indian e-waste and lithium-ion battery recycler.",
        "offers": "Battery collection and recycling capacity; recovered battery-grade metals.",
        "seeks": "Feedstock agreements with OEMs; technology partners in Japan.",
    },
    {
        "name": "Vedanta Limited",
        "kind": "recycler",
        "country": "IN",
        "website": "https://www.vedantalimited.com",
        "description": "Indian natural-resources group (zinc, aluminium, copper) expanding "
        "into critical minerals and their refining.",
        "offers": "Refining know-how and capacity; mining concessions.",
        "seeks": "Partners for battery-metal refining; offtake for refined products.",
    },
    {
        "name": "Sumitomo Metal Mining",
        "kind": "recycler",
        "country": "JP",
        "website": "https://www.smm.co.jp",
        "description": "Japanese non-ferrous metals company: nickel refining, cathode "
        "materials and battery recycling.",
        "offers": "Cathode-material and recycling technology; joint ventures.",
        "seeks": "Secure nickel and cobalt feedstock; Indian recycling partners.",
    },
    {
        "name": "Japan Bank for International Cooperation (JBIC)",
        "kind": "financier",
        "country": "JP",
        "website": "https://www.jbic.go.jp",
        "description": "Japan's policy-based financial institution.",
        "offers": "Loans, guarantees and equity for projects that secure Japan's supply of "
        "critical minerals.",
        "seeks": "Bankable recycling and refining projects with Japanese participation.",
    },
    {
        "name": "International Finance Corporation (IFC)",
        "kind": "financier",
        "country": "US",
        "website": "https://www.ifc.org",
        "description": "Member of the World Bank Group that invests in the private sector in "
        "emerging markets.",
        "offers": "Long-term debt, equity and blended finance.",
        "seeks": "Private battery-materials projects in India with strong ESG standards.",
    },
    {
        "name": "Tata Capital Decarbonisation Fund",
        "kind": "financier",
        "country": "IN",
        "website": "https://www.tatacapital.com",
        "description": "Climate-focused private-equity fund of Tata Capital.",
        "offers": "Growth equity for decarbonisation businesses.",
        "seeks": "Recyclers and battery-materials companies ready to scale.",
    },
    {
        "name": "Toyota Kirloskar Motor",
        "kind": "oem",
        "country": "IN",
        "website": "https://www.toyotabharat.com",
        "description": "Indian joint venture of Toyota Motor Corporation and the Kirloskar "
        "Group, making cars and hybrid vehicles in Karnataka.",
        "offers": "Long-term offtake for qualified battery materials; end-of-life packs.",
        "seeks": "Local, traceable supply of battery-grade materials.",
    },
    {
        "name": "Maruti Suzuki India",
        "kind": "oem",
        "country": "IN",
        "website": "https://www.marutisuzuki.com",
        "description": "India's largest car maker, a subsidiary of Suzuki Motor Corporation.",
        "offers": "Volume offtake; collection of end-of-life batteries through its network.",
        "seeks": "Recycling partners and a domestic cell-materials supply chain.",
    },
    {
        "name": "Tata Motors",
        "kind": "oem",
        "country": "IN",
        "website": "https://www.tatamotors.com",
        "description": "Indian maker of passenger cars, electric vehicles and trucks.",
        "offers": "Offtake for recycled materials; pilot programmes.",
        "seeks": "Closed-loop recycling of EV batteries.",
    },
    {
        "name": "Mahindra & Mahindra",
        "kind": "oem",
        "country": "IN",
        "website": "https://www.mahindra.com",
        "description": "Indian maker of utility vehicles, tractors and electric vehicles.",
        "offers": "Offtake and engineering partnerships.",
        "seeks": "Battery-materials suppliers and recyclers.",
    },
    {
        "name": "Ministry of Mines, Government of India",
        "kind": "government",
        "country": "IN",
        "website": "https://mines.gov.in",
        "description": "Indian ministry responsible for mineral policy and the National "
        "Critical Mineral Mission.",
        "offers": "Policy dialogue; information on auctions of critical-mineral blocks.",
        "seeks": "International partnerships for exploration, processing and recycling.",
    },
    {
        "name": "Ministry of Economy, Trade and Industry (METI)",
        "kind": "government",
        "country": "JP",
        "website": "https://www.meti.go.jp",
        "description": "Japanese ministry responsible for industrial and resource policy.",
        "offers": "Government-to-government cooperation frameworks.",
        "seeks": "Diversified, reliable critical-mineral supply chains.",
    },
    {
        "name": "Department of Industry, Science and Resources (Australia)",
        "kind": "government",
        "country": "AU",
        "website": "https://www.industry.gov.au",
        "description": "Australian Government department responsible for resources and the "
        "Critical Minerals Strategy.",
        "offers": "Introductions to Australian critical-minerals projects.",
        "seeks": "Processing and offtake partners in India and Japan.",
    },
    {
        "name": "U.S. Department of Energy",
        "kind": "government",
        "country": "US",
        "website": "https://www.energy.gov",
        "description": "United States federal department responsible for energy policy and "
        "research, including critical materials.",
        "offers": "Research cooperation; policy dialogue.",
        "seeks": "Allied supply chains for battery materials.",
    },
    {
        "name": "Embassy of Japan in India",
        "kind": "government",
        "country": "JP",
        "website": "https://www.in.emb-japan.go.jp",
        "description": "Host of the conference.",
        "offers": "Introductions to Japanese companies and agencies.",
        "seeks": "India–Japan partnerships along the battery value chain.",
    },
    {
        "name": "IIT Madras",
        "kind": "research",
        "country": "IN",
        "website": "https://www.iitm.ac.in",
        "description": "Indian Institute of Technology Madras, Chennai.",
        "offers": "Research on recycling processes and battery chemistries; testing.",
        "seeks": "Industrial partners and joint R&D funding.",
    },
    {
        "name": "CSIRO",
        "kind": "research",
        "country": "AU",
        "website": "https://www.csiro.au",
        "description": "Australia's national science agency.",
        "offers": "Minerals processing and battery-recycling research.",
        "seeks": "Pilot partners in India and Japan.",
    },
    {
        "name": "India Energy Storage Alliance (IESA)",
        "kind": "industry_body",
        "country": "IN",
        "website": "https://indiaesa.info",
        "description": "Indian industry alliance for energy storage and e-mobility.",
        "offers": "Market intelligence; convening of Indian industry.",
        "seeks": "International members and partners.",
    },
    {
        "name": "Battery Association of Japan",
        "kind": "industry_body",
        "country": "JP",
        "website": "https://www.baj.or.jp",
        "description": "Japanese industry association of battery makers.",
        "offers": "Standards and recycling-scheme experience.",
        "seeks": "Exchange with Indian industry on collection and recycling.",
    },
]

# Staff logins: one role each, and no registration, so role checks show.
STAFF = [
    # email, given name, family name, role
    ("organiser@example.org", "Emi", "Nakamura", "organiser"),
    ("security@example.org", "Rajesh", "Kumar", "security"),
    ("checkin@example.org", "Pooja", "Singh", "checkin"),
]
ADMIN = ("admin@example.org", "Portal", "Administrator")

# delegateN@example.org. Defaults: approved, consents to the directory.
DELEGATES = [
    {
        "given_name": "Ananya",
        "family_name": "Rao",
        "organisation": "Lohum",
        "job_title": "Head of Strategic Partnerships",
        "nationality": "IN",
    },
    {
        "given_name": "Haruka",
        "family_name": "Sato",
        "family_name_first": True,
        "organisation": "Japan Bank for International Cooperation (JBIC)",
        "job_title": "Senior Investment Officer, Industrial Finance",
        "nationality": "JP",
        "dietary_needs": "No pork",
    },
    {
        "given_name": "Vikram",
        "family_name": "Iyer",
        "organisation": "Vedanta Limited",
        "job_title": "Vice President, Critical Minerals",
        "nationality": "IN",
    },
    {
        "given_name": "Kenji",
        "family_name": "Tanaka",
        "family_name_first": True,
        "organisation": "Toyota Kirloskar Motor",
        "job_title": "General Manager, Battery Procurement",
        "nationality": "JP",
    },
    {
        "given_name": "Priya",
        "family_name": "Nair",
        "organisation": "Maruti Suzuki India",
        "job_title": "Manager, EV Supply Chain",
        "nationality": "IN",
        "dietary_needs": "Jain vegetarian",
    },
    {
        "given_name": "Emily",
        "family_name": "Carter",
        "organisation": "International Finance Corporation (IFC)",
        "job_title": "Principal Investment Officer",
        "nationality": "US",
    },
    {
        "given_name": "Rohan",
        "family_name": "Kapoor",
        "organisation": "Tata Capital Decarbonisation Fund",
        "job_title": "Investment Director",
        "nationality": "IN",
    },
    {
        "given_name": "Liam",
        "family_name": "O'Connor",
        "organisation": "Department of Industry, Science and Resources (Australia)",
        "job_title": "Counsellor (Resources)",
        "nationality": "AU",
        "is_vip": True,
        "id_document_type": "diplomatic",
    },
    {
        "given_name": "Sarah",
        "family_name": "Mitchell",
        "organisation": "U.S. Department of Energy",
        "job_title": "Senior Advisor, Critical Materials",
        "nationality": "US",
        "is_vip": True,
        "id_document_type": "diplomatic",
        "access_needs": "Step-free access",
    },
    {
        "given_name": "Arjun",
        "family_name": "Menon",
        "organisation": "IIT Madras",
        "job_title": "Professor, Metallurgical and Materials Engineering",
        "nationality": "IN",
        "dietary_needs": "Vegetarian",
    },
    {
        "given_name": "Deepa",
        "family_name": "Kulkarni",
        "organisation": "Attero Recycling",
        "job_title": "Director, Business Development",
        "nationality": "IN",
    },
    {
        # A government official who keeps out of the B2B directory.
        "given_name": "Sanjay",
        "family_name": "Verma",
        "organisation": "Ministry of Mines, Government of India",
        "job_title": "Director",
        "nationality": "IN",
        "is_vip": True,
        "directory_consent": False,
    },
    # Not yet approved, so that the organiser's queue has something in it.
    {
        "given_name": "Neha",
        "family_name": "Joshi",
        "organisation": "Tata Motors",
        "job_title": "Senior Manager, Cell Sourcing",
        "nationality": "IN",
        "status": "pending",
    },
    {
        "given_name": "Chloe",
        "family_name": "Bennett",
        "organisation": "CSIRO",
        "job_title": "Research Scientist, Mineral Resources",
        "nationality": "AU",
        "status": "pending",
    },
    {
        "given_name": "Karan",
        "family_name": "Malhotra",
        "organisation": "Mahindra & Mahindra",
        "job_title": "Head, EV Battery Programme",
        "nationality": "IN",
        "status": "waitlisted",
    },
]

# Outside speakers (no registration). Delegates who speak are named by their
# login ("delegate3") in SESSIONS instead.
SPEAKERS = [
    ("Ambassador of Japan to India", "Embassy of Japan in New Delhi", ""),
    (
        "Meera Krishnan",
        "Joint Secretary, Ministry of Mines, Government of India",
        "Leads international cooperation on critical minerals.",
    ),
    (
        "Takeshi Morita",
        "Director, Mineral Resources Policy, METI",
        "Works on Japan's resource-security partnerships in the Indo-Pacific.",
    ),
    (
        "James Whitaker",
        "Critical Materials Office, U.S. Department of Energy",
        "Twenty years in materials supply-chain policy.",
    ),
    (
        "Rachel Nguyen",
        "Principal Research Scientist, CSIRO",
        "Hydrometallurgy and battery-recycling process research.",
    ),
    (
        "Hiroshi Kobayashi",
        "Senior Advisor, Battery Association of Japan",
        "Designed collection schemes for portable and EV batteries.",
    ),
    (
        "Anjali Deshpande",
        "Director, India Energy Storage Alliance",
        "Tracks India's battery and storage markets.",
    ),
    ("Rahul Bansal", "Head of Sustainability, Tata Motors", ""),
    (
        "Kavitha Subramanian",
        "Professor of Chemical Engineering, IIT Madras",
        "Electrochemistry and materials recovery.",
    ),
    ("Sunita Reddy", "Senior Editor, Energy & Mobility", "Journalist and moderator."),
]

# day, start, end, title, kind, room, track, extra fields, speakers [(name or login, role)]
SESSIONS = [
    (0, "08:30", "09:30", "Registration and welcome coffee", "break", "Foyer", None, {}, []),
    (
        0,
        "09:30",
        "10:45",
        "Opening plenary: a trusted battery supply chain for the Indo-Pacific",
        "plenary",
        "Darbar Hall",
        "Policy & partnerships",
        {
            "description": "Why India, Japan, Australia and the United States need each other "
            "to refine, recycle and finance battery materials."
        },
        [
            ("Ambassador of Japan to India", "chair"),
            ("Meera Krishnan", "speaker"),
            ("Takeshi Morita", "speaker"),
            ("James Whitaker", "speaker"),
        ],
    ),
    (0, "10:45", "11:15", "Coffee break", "break", "Foyer", None, {}, []),
    (
        0,
        "11:15",
        "12:30",
        "Refining critical minerals in India: from ore to battery-grade chemicals",
        "panel",
        "Lotus Room",
        "Refining & processing",
        {
            "description": "Lithium, nickel, cobalt and graphite: what it takes to build "
            "refining capacity in India, and who pays for it."
        },
        [
            ("Sunita Reddy", "moderator"),
            ("delegate3", "speaker"),
            ("Rachel Nguyen", "speaker"),
            ("Hiroshi Kobayashi", "speaker"),
        ],
    ),
    (
        0,
        "11:15",
        "12:30",
        "Workshop: from black mass to battery-grade salts",
        "workshop",
        "Sakura Room",
        "Recycling & circularity",
        {
            "capacity": 30,
            "signup_required": True,
            "description": "A hands-on walk through hydrometallurgical recycling, with "
            "yields and costs at each step.",
        },
        [("Kavitha Subramanian", "chair"), ("delegate11", "speaker")],
    ),
    (0, "12:30", "13:30", "Networking lunch", "break", "Foyer", None, {}, []),
    (
        0,
        "13:30",
        "14:45",
        "Securing anchor off-takers for Indian recyclers",
        "panel",
        "Darbar Hall",
        "Offtake & markets",
        {
            "description": "What an OEM needs before it signs, and what a recycler needs "
            "before it builds."
        },
        [
            ("Anjali Deshpande", "moderator"),
            ("delegate1", "speaker"),
            ("delegate4", "speaker"),
            ("Rahul Bansal", "speaker"),
        ],
    ),
    (
        0,
        "13:30",
        "14:45",
        "Closed-door roundtable: minerals security partnership",
        "closed_door",
        "Board Room",
        "Policy & partnerships",
        {
            "capacity": 20,
            "signup_required": True,
            "description": "Government delegations only; Chatham House rule.",
        },
        [
            ("Takeshi Morita", "chair"),
            ("Meera Krishnan", "speaker"),
            ("James Whitaker", "speaker"),
            ("delegate8", "speaker"),
        ],
    ),
    (
        0,
        "15:00",
        "17:00",
        "B2B meetings (day 1)",
        "b2b_block",
        "B2B Lounge",
        None,
        {"description": "Pre-arranged 20-minute meetings between delegates."},
        [],
    ),
    (
        0,
        "17:15",
        "18:15",
        "Masterclass: reading a bankable offtake term sheet",
        "workshop",
        "Sakura Room",
        "Finance & bankability",
        {
            # Kept small on purpose: the demo shows a full session with a waiting list.
            "capacity": 6,
            "signup_required": True,
            "description": "Take-or-pay, price floors, volume flexibility: clause by clause.",
        },
        [("delegate6", "chair")],
    ),
    (
        0,
        "18:30",
        "20:30",
        "Networking reception hosted by the Embassy of Japan",
        "break",
        "Darbar Hall",
        None,
        {},
        [],
    ),
    (
        1,
        "09:00",
        "10:15",
        "Bankability: what lenders need to see in a battery-materials project",
        "plenary",
        "Darbar Hall",
        "Finance & bankability",
        {
            "description": "Offtake, technology risk, feedstock security and ESG: the lenders' "
            "checklist."
        },
        [("delegate7", "moderator"), ("delegate2", "speaker"), ("delegate6", "speaker")],
    ),
    (1, "10:15", "10:45", "Coffee break", "break", "Foyer", None, {}, []),
    (
        1,
        "10:45",
        "12:00",
        "Long-term offtake: pricing, volumes and risk sharing",
        "panel",
        "Lotus Room",
        "Offtake & markets",
        {"description": "Index-linked pricing, volume bands and who carries the metal risk."},
        [
            ("Sunita Reddy", "moderator"),
            ("delegate5", "speaker"),
            ("delegate3", "speaker"),
            ("Rahul Bansal", "speaker"),
        ],
    ),
    (
        1,
        "10:45",
        "12:00",
        "Joint R&D: building India–Japan–Australia research consortia",
        "workshop",
        "Sakura Room",
        "Research & innovation",
        {
            "capacity": 25,
            "signup_required": True,
            "description": "Shared pilot lines, IP terms and funding calls.",
        },
        [
            ("delegate10", "chair"),
            ("Rachel Nguyen", "speaker"),
            ("Kavitha Subramanian", "speaker"),
        ],
    ),
    (1, "12:00", "13:00", "Lunch", "break", "Foyer", None, {}, []),
    (
        1,
        "13:00",
        "15:00",
        "B2B meetings (day 2)",
        "b2b_block",
        "B2B Lounge",
        None,
        {"description": "Pre-arranged 20-minute meetings between delegates."},
        [],
    ),
    (
        1,
        "13:15",
        "14:45",
        "Financing clinic: structuring a recycling project for export-credit and DFI lending",
        "workshop",
        "Board Room",
        "Finance & bankability",
        {"capacity": 20, "signup_required": True},
        [("delegate2", "chair")],
    ),
    (
        1,
        "15:15",
        "16:15",
        "Recycling at scale: collection networks, EPR and traceability",
        "panel",
        "Darbar Hall",
        "Recycling & circularity",
        {"description": "Extended producer responsibility in India and lessons from Japan."},
        [
            ("Anjali Deshpande", "moderator"),
            ("Hiroshi Kobayashi", "speaker"),
            ("delegate11", "speaker"),
        ],
    ),
    (
        1,
        "16:30",
        "17:15",
        "Closing plenary: a joint roadmap for critical minerals",
        "plenary",
        "Darbar Hall",
        "Policy & partnerships",
        {},
        [
            ("Ambassador of Japan to India", "chair"),
            ("Meera Krishnan", "speaker"),
            ("delegate8", "speaker"),
            ("delegate9", "speaker"),
        ],
    ),
]

# Session title → (confirmed logins, waitlisted logins).
SIGNUPS = {
    "Workshop: from black mass to battery-grade salts": (
        ["delegate1", "delegate3", "delegate5", "delegate10"],
        [],
    ),
    "Closed-door roundtable: minerals security partnership": (
        ["delegate8", "delegate9", "delegate12"],
        [],
    ),
    "Masterclass: reading a bankable offtake term sheet": (
        ["delegate2", "delegate3", "delegate4", "delegate5", "delegate7", "delegate11"],
        ["delegate1"],
    ),
    "Joint R&D: building India–Japan–Australia research consortia": (
        ["delegate1", "delegate4", "delegate11"],
        [],
    ),
    "Financing clinic: structuring a recycling project for export-credit and DFI lending": (
        ["delegate1", "delegate3", "delegate7"],
        [],
    ),
}

B2B_TABLES = 10  # T01…T10 in the B2B Lounge
B2B_TABLE_ROOM = "B2B Lounge"

# Meeting requests: from, to (a login, or an organisation name), status, priority, agenda.
REQUESTS = [
    {
        "from": "delegate4",
        "to": "delegate1",
        "priority": 3,
        "agenda": "Recycled nickel and cobalt for our hybrid battery packs: volumes from 2027.",
        # Slot numbers across all B2B slots in time order.
        "proposed": [4, 5, 6],
        "messages": [
            (
                "delegate4",
                "We could bring our procurement lead. Would 30 minutes be enough for a first look "
                "at volumes?",
            ),
        ],
    },
    {
        "from": "delegate7",
        "to": "delegate1",
        "agenda": "Growth equity for your next plant.",
    },
    {
        "from": "delegate1",
        "to": "delegate6",
        "priority": 3,
        "agenda": "Long-tenor debt for a 20,000 t/yr recycling plant.",
    },
    # Asked the other way round too: joined with the one above.
    {
        "from": "delegate6",
        "to": "delegate1",
        "priority": 2,
        "agenda": "IFC's pipeline of bankable recycling projects in India.",
    },
    {
        "from": "delegate1",
        "to_organisation": "Maruti Suzuki India",
        "agenda": "Collection of end-of-life packs through your dealer network.",
    },
    {
        "from": "delegate5",
        "to_organisation": "Lohum",
        "agenda": "Qualifying recycled materials for our suppliers.",
    },
    {
        "from": "delegate3",
        "to": "delegate2",
        "agenda": "JBIC participation in a refining joint venture with a Japanese partner.",
    },
    {
        "from": "delegate10",
        "to": "delegate11",
        "priority": 1,
        "agenda": "Process data for a joint study on leaching yields.",
    },
    # Answered.
    {
        "from": "delegate2",
        "to": "delegate1",
        "status": "accepted",
        "priority": 3,
        "agenda": "Financing structure for your Japanese technology partnership.",
        "messages": [
            ("delegate2", "I will bring our term sheet for similar projects in Japan."),
            ("delegate1", "Thank you. We will share our plant's capex breakdown beforehand."),
        ],
    },
    {
        "from": "delegate6",
        "to": "delegate3",
        "status": "accepted",
        "agenda": "IFC's environmental and social standards for refining projects.",
    },
    {
        "from": "delegate4",
        "to": "delegate11",
        "status": "accepted",
        "agenda": "Take-back of end-of-life packs from our hybrids.",
    },
    {
        "from": "delegate8",
        "to": "delegate9",
        "status": "accepted",
        "agenda": "Aligning our critical-minerals project lists.",
    },
    # Accepted, the time left to the organisers' scheduler ("Schedule pending meetings").
    {
        "from": "delegate3",
        "to": "delegate7",
        "status": "scheduling",
        "priority": 3,
        "counter_priority": 3,
        "agenda": "Blended finance for a cathode precursor plant in Odisha.",
    },
    {
        "from": "delegate11",
        "to": "delegate5",
        "status": "scheduling",
        "agenda": "Second-life use of returned hybrid packs for grid storage.",
    },
    {
        "from": "delegate9",
        "to": "delegate7",
        "status": "declined",
        "decline_reason": "Outside our current mandate, thank you.",
        "agenda": "Co-investment in Indian cathode plants.",
    },
    {
        "from": "delegate11",
        "to": "delegate2",
        "status": "declined",
        "decline_reason": "We would rather meet once your project has a Japanese partner.",
        "agenda": "Export-credit support for our new facility.",
    },
    {
        "from": "delegate5",
        "to": "delegate6",
        "status": "cancelled",
        "agenda": "Supplier finance for our battery-materials vendors.",
    },
]

# Booked meetings: who, and where to put them if free (slot number across all
# B2B slots in time order, table label). `request` names the accepted request
# by (from, to); None means the organisers arranged it.
MEETINGS = [
    {"people": ("delegate2", "delegate1"), "request": True, "slot": 1, "table": "T01"},
    {
        "people": ("delegate1", "delegate10"),
        "request": None,
        "slot": 3,
        "table": "T02",
        "note": "Arranged by the organisers: qualification tests for recycled materials.",
    },
    {"people": ("delegate6", "delegate3"), "request": True, "slot": 0, "table": "T02"},
    {"people": ("delegate4", "delegate11"), "request": True, "slot": 2, "table": "T03"},
    {"people": ("delegate8", "delegate9"), "request": True, "slot": 7, "table": "T01"},
    {
        "people": ("delegate7", "delegate5"),
        "request": None,
        "slot": 9,
        "table": "T02",
        "note": "Arranged by the organisers.",
    },
]

# login, slot number: marked unavailable (the availability page shows it).
UNAVAILABLE = [("delegate1", 10)]

INVITATIONS = [
    # email, name, organisation, status
    ("neha.rao@example.org", "Neha Rao", "Tata Motors", "sent"),
    ("mai.yamamoto@example.org", "Mai Yamamoto", "Sumitomo Metal Mining", "opened"),
    ("jordan.lee@example.org", "Jordan Lee", "U.S. Department of Energy", "sent"),
    ("amit.banerjee@example.org", "Amit Banerjee", "Mahindra & Mahindra", "expired"),
]

# --- Matchmaking: the taxonomy and the profiles ---------------------------------

# The conference's taxonomy: (code, English, Japanese), in its order.
TAXONOMY = [
    ("mining", "Mining", "採掘"),
    ("refining", "Refining and processing", "精製・加工"),
    ("black_mass_recycling", "Black mass and recycling", "ブラックマス・リサイクル"),
    ("cathode_precursor", "Cathode and precursor", "正極材・前駆体"),
    ("cells", "Cells", "電池セル"),
    ("ev_oem_offtake", "EV OEM offtake", "EVメーカーによる長期引取"),
    ("rare_earth_magnets", "Rare-earth magnets", "レアアース磁石"),
    ("project_finance", "Project finance", "プロジェクトファイナンス"),
    ("export_credit", "Export credit", "輸出信用"),
    ("equity", "Equity", "出資"),
    ("joint_rnd", "Joint R&D", "共同研究開発"),
    ("policy_standards", "Policy and standards", "政策・標準"),
    ("traceability", "Traceability", "トレーサビリティ"),
]

# By organisation name: position in the value chain, new entrant (the young
# Indian recyclers), topics offered and sought (TAXONOMY codes), and the
# Japanese organisations' offers and seeks in Japanese. Set when the
# organisation has no value chain yet, so an edit in the browser survives a re-run.
ORGANISATION_PROFILES = {
    "Lohum": {
        "value_chain": "recycling",
        "is_new_entrant": True,
        "offered": ["black_mass_recycling", "traceability"],
        "sought": ["ev_oem_offtake", "project_finance", "equity"],
    },
    "Attero Recycling": {
        "value_chain": "recycling",
        "is_new_entrant": True,
        "offered": ["black_mass_recycling"],
        "sought": ["ev_oem_offtake", "joint_rnd", "export_credit"],
    },
    "Vedanta Limited": {
        "value_chain": "refining",
        "offered": ["mining", "refining"],
        "sought": ["ev_oem_offtake", "cathode_precursor", "project_finance"],
    },
    "Sumitomo Metal Mining": {
        "value_chain": "precursor",
        "offered": ["cathode_precursor", "refining", "joint_rnd"],
        "sought": ["black_mass_recycling", "mining"],
        "offers_ja": "正極材とリサイクルの技術、合弁事業。",
        "seeks_ja": "ニッケル・コバルト原料の安定調達、インドのリサイクルパートナー。",
    },
    "Japan Bank for International Cooperation (JBIC)": {
        "value_chain": "finance",
        "offered": ["export_credit", "project_finance", "equity"],
        "sought": ["refining", "black_mass_recycling", "rare_earth_magnets"],
        "offers_ja": "日本の重要鉱物の安定供給に資する案件への融資・保証・出資。",
        "seeks_ja": "日本企業が参画する、融資可能なリサイクル・精製案件。",
    },
    "International Finance Corporation (IFC)": {
        "value_chain": "finance",
        "offered": ["project_finance", "equity"],
        "sought": ["black_mass_recycling", "refining", "traceability"],
    },
    "Tata Capital Decarbonisation Fund": {
        "value_chain": "finance",
        "offered": ["equity"],
        "sought": ["black_mass_recycling", "cells"],
    },
    "Toyota Kirloskar Motor": {
        "value_chain": "oem",
        "offered": ["ev_oem_offtake"],
        "sought": ["black_mass_recycling", "cathode_precursor", "traceability"],
    },
    "Maruti Suzuki India": {
        "value_chain": "oem",
        "offered": ["ev_oem_offtake"],
        "sought": ["black_mass_recycling", "cells"],
    },
    "Tata Motors": {
        "value_chain": "oem",
        "offered": ["ev_oem_offtake"],
        "sought": ["black_mass_recycling", "cells"],
    },
    "Mahindra & Mahindra": {
        "value_chain": "oem",
        "offered": ["ev_oem_offtake", "joint_rnd"],
        "sought": ["cells", "black_mass_recycling"],
    },
    "Ministry of Mines, Government of India": {
        "value_chain": "policy",
        "offered": ["policy_standards", "mining"],
        "sought": ["refining", "black_mass_recycling"],
    },
    "Ministry of Economy, Trade and Industry (METI)": {
        "value_chain": "policy",
        "offered": ["policy_standards"],
        "sought": ["mining", "refining", "rare_earth_magnets"],
        "offers_ja": "政府間協力の枠組み。",
        "seeks_ja": "多様で信頼できる重要鉱物サプライチェーン。",
    },
    "Department of Industry, Science and Resources (Australia)": {
        "value_chain": "policy",
        "offered": ["mining", "policy_standards"],
        "sought": ["refining", "ev_oem_offtake"],
    },
    "U.S. Department of Energy": {
        "value_chain": "policy",
        "offered": ["joint_rnd", "policy_standards"],
        "sought": ["traceability", "refining"],
    },
    "Embassy of Japan in India": {
        "value_chain": "policy",
        "offered": ["policy_standards"],
        "sought": ["black_mass_recycling", "refining"],
        "offers_ja": "日本の企業・機関へのご紹介。",
        "seeks_ja": "電池バリューチェーン全体での日印パートナーシップ。",
    },
    "IIT Madras": {
        "value_chain": "research",
        "offered": ["joint_rnd", "black_mass_recycling"],
        "sought": ["project_finance", "ev_oem_offtake"],
    },
    "CSIRO": {
        "value_chain": "research",
        "offered": ["joint_rnd", "refining"],
        "sought": ["black_mass_recycling"],
    },
    "India Energy Storage Alliance (IESA)": {
        "value_chain": "policy",
        "offered": ["policy_standards"],
        "sought": ["cells", "traceability"],
    },
    "Battery Association of Japan": {
        "value_chain": "policy",
        "offered": ["policy_standards", "traceability"],
        "sought": ["black_mass_recycling"],
        "offers_ja": "規格とリサイクル制度の経験。",
        "seeks_ja": "回収・リサイクルに関するインド産業界との交流。",
    },
}

# By login: the delegates' own profiles (created once; the delegate's edits stay).
DELEGATE_PROFILES = {
    "delegate1": {
        "bio": "Builds Lohum's partnerships with car makers and financiers; previously in "
        "battery procurement at a two-wheeler maker.",
        "languages": ["en", "hi"],
        "topics": ["black_mass_recycling", "ev_oem_offtake", "project_finance"],
        "offers": "Battery-grade lithium, nickel and cobalt salts from our Greater Noida plant.",
        "seeks": "An anchor off-taker for our second plant, and long-tenor debt.",
    },
    "delegate2": {
        "bio": "Structures loans and guarantees for resource projects with Japanese "
        "participation; eight years in JBIC's Industrial Finance group.",
        "languages": ["ja", "en"],
        "topics": ["export_credit", "project_finance", "refining"],
        "offers": "JBIC の融資・保証の仕組みのご説明。Export-credit structures for "
        "recycling and refining projects.",
        "seeks": "Bankable projects in India with a Japanese partner or offtaker.",
    },
    "delegate3": {
        "bio": "Leads Vedanta's move from base metals into battery-grade nickel and lithium.",
        "languages": ["en", "hi", "ta"],
        "topics": ["mining", "refining", "ev_oem_offtake"],
        "offers": "Refining capacity and mining concessions in India and Africa.",
        "seeks": "Off-takers for refined nickel sulphate; a technology partner for lithium.",
    },
    "delegate4": {
        "bio": "Runs battery procurement for Toyota Kirloskar's hybrid and EV programmes.",
        "languages": ["ja", "en", "kn"],
        "topics": ["ev_oem_offtake", "black_mass_recycling", "traceability"],
        "offers": "Long-term offtake for qualified, traceable materials; end-of-life packs.",
        "seeks": "国内で調達できる電池グレード材料。Recyclers who can certify recycled content.",
    },
    "delegate5": {
        "bio": "Manages Maruti Suzuki's EV supply chain, from cells to collection of used packs.",
        "languages": ["en", "hi", "mr"],
        "topics": ["ev_oem_offtake", "cells", "black_mass_recycling"],
        "offers": "Collection of end-of-life batteries through our dealer network.",
        "seeks": "Recycling partners near Gurugram and Hansalpur.",
    },
    "delegate6": {
        "bio": "Invests in battery materials and recycling across South Asia for IFC.",
        "languages": ["en", "es"],
        "topics": ["project_finance", "equity", "black_mass_recycling"],
        "offers": "Long-term debt, equity and blended finance.",
        "seeks": "Private recycling and refining projects with strong ESG standards.",
    },
    "delegate7": {
        "bio": "Investment director at Tata Capital's climate fund; sits on two recyclers' boards.",
        "languages": ["en", "hi", "gu"],
        "topics": ["equity", "black_mass_recycling", "cells"],
        "offers": "Growth equity, from 10 to 50 million US dollars.",
        "seeks": "Recyclers with a plant running and offtake signed.",
    },
    "delegate8": {
        "bio": "Resources counsellor at the Australian High Commission in New Delhi.",
        "languages": ["en"],
        "topics": ["mining", "policy_standards", "refining"],
        "offers": "Introductions to Australian lithium and rare-earth projects.",
        "seeks": "Indian and Japanese processing partners and off-takers.",
    },
    "delegate9": {
        "bio": "Advises on allied supply chains for battery materials at the DOE.",
        "languages": ["en", "fr"],
        "topics": ["policy_standards", "traceability", "joint_rnd"],
        "offers": "Research cooperation programmes; policy dialogue.",
        "seeks": "Partners for traceability standards.",
    },
    "delegate10": {
        "bio": "Professor of metallurgy; his lab runs a hydrometallurgical recycling pilot.",
        "languages": ["en", "ta", "ml"],
        "topics": ["joint_rnd", "black_mass_recycling", "refining"],
        "offers": "Process research, testing and trained graduates.",
        "seeks": "Industrial partners to scale the pilot; joint R&D funding.",
    },
    "delegate11": {
        "bio": "Business development at Attero; builds feedstock agreements with OEMs.",
        "languages": ["en", "hi", "bn"],
        "topics": ["black_mass_recycling", "ev_oem_offtake", "export_credit"],
        "offers": "Recycling capacity and recovered battery-grade metals.",
        "seeks": "Feedstock agreements with car makers; technology partners in Japan.",
    },
    "delegate12": {
        "bio": "Director in the Ministry of Mines' critical-minerals division.",
        "languages": ["en", "hi"],
        "topics": ["policy_standards", "mining"],
        "offers": "Information on auctions of critical-mineral blocks.",
        "seeks": "International partnerships for processing and recycling.",
    },
}


# --- `--scale large`: synthetic volume for benchmarks ----------------------

LARGE_DELEGATES = 2000
LARGE_ORGANISATIONS = 400
LARGE_SESSIONS = 80
LARGE_TABLES = 30
LARGE_REQUESTS = 3000

# 20 places × 20 sectors = 400 distinct organisation names.
LARGE_PLACES = [
    ("Aravalli", "IN"),
    ("Deccan", "IN"),
    ("Konkan", "IN"),
    ("Nilgiri", "IN"),
    ("Kaveri", "IN"),
    ("Narmada", "IN"),
    ("Kansai", "JP"),
    ("Kyushu", "JP"),
    ("Setouchi", "JP"),
    ("Tohoku", "JP"),
    ("Chubu", "JP"),
    ("Pilbara", "AU"),
    ("Kimberley", "AU"),
    ("Gippsland", "AU"),
    ("Riverina", "AU"),
    ("Great Lakes", "US"),
    ("Cascadia", "US"),
    ("Ozark", "US"),
    ("Sonoran", "US"),
    ("Chesapeake", "US"),
]
LARGE_SECTORS = [
    ("Battery Recycling", "recycler"),
    ("Cathode Materials", "recycler"),
    ("Lithium Refining", "recycler"),
    ("Nickel Processing", "recycler"),
    ("Graphite Works", "recycler"),
    ("Cell Recovery", "recycler"),
    ("Electric Vehicles", "oem"),
    ("Motor Works", "oem"),
    ("Mobility Systems", "oem"),
    ("Commercial Vehicles", "oem"),
    ("Capital Partners", "financier"),
    ("Infrastructure Fund", "financier"),
    ("Green Bank", "financier"),
    ("Development Finance", "financier"),
    ("Minerals Agency", "government"),
    ("Materials Institute", "research"),
    ("Energy Research Centre", "research"),
    ("Battery Council", "industry_body"),
    ("Circular Economy Forum", "industry_body"),
    ("Battery Logistics", "other"),
]
LARGE_GIVEN_NAMES = {
    "IN": ["Aditi", "Rahul", "Sneha", "Amit", "Kavya", "Nikhil", "Pooja", "Suresh"],
    "JP": ["Yuki", "Hiroto", "Aoi", "Daiki", "Mei", "Sota", "Rin", "Takumi"],
    "AU": ["Olivia", "Jack", "Mia", "Noah", "Isla", "Lucas", "Ruby", "Ethan"],
    "US": ["Emma", "James", "Ava", "Michael", "Sophia", "Daniel", "Grace", "Ryan"],
}
LARGE_FAMILY_NAMES = {
    "IN": ["Sharma", "Patel", "Reddy", "Gupta", "Das", "Pillai", "Chatterjee", "Bose"],
    "JP": ["Suzuki", "Takahashi", "Ito", "Yamada", "Nakamura", "Kato", "Yoshida", "Mori"],
    "AU": ["Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Kelly", "Ryan"],
    "US": ["Johnson", "Garcia", "Miller", "Davis", "Martinez", "Clark", "Lewis", "Young"],
}
LARGE_JOB_TITLES = [
    "Business Development Manager",
    "Head of Procurement",
    "Investment Officer",
    "Chief Technology Officer",
    "Policy Advisor",
    "Senior Engineer",
    "Director, Strategy",
    "Research Fellow",
]
LARGE_TOPICS = [
    "Lithium refining economics",
    "Direct recycling of cathodes",
    "Battery passports and traceability",
    "Offtake contract design",
    "Project finance for refineries",
    "Graphite anode supply",
    "Second-life storage",
    "Sodium-ion and alternatives",
    "EPR compliance in practice",
    "Black-mass trade rules",
    "ESG audits for mines",
    "Cell manufacturing in India",
    "Nickel and cobalt sourcing",
    "Blended finance structures",
    "Pilot plants and scale-up",
    "Skills for the battery industry",
]
# Breakout sessions: 8 rooms × 2 days × 5 periods = 80.
LARGE_ROOMS = [f"Breakout {n}" for n in range(1, 9)]
LARGE_PERIODS = [
    ("09:00", "10:15"),
    ("10:45", "12:00"),
    ("13:00", "14:15"),
    ("14:45", "16:00"),
    ("16:30", "17:45"),
]
# 2 blocks × 12 slots of 20 minutes = 24 slots on day 2, before and after the
# base block (13:00–15:00): slots of one conference must never overlap.
LARGE_B2B_ROOM = "B2B Hall 2"
LARGE_B2B_BLOCKS = [
    (1, "09:00", "13:00", "B2B meetings – extended programme (morning)"),
    (1, "15:00", "19:00", "B2B meetings – extended programme (evening)"),
]

# The organisers' Japanese wording of the invitation email (seed_email_templates):
# `{name}` style placeholders of conference.core.email_templates, never template code.
INVITATION_JA = {
    "subject": "【ご招待】{conference}",
    "body": (
        "{name} 様\n\n"
        "このたび、{host}主催「{conference}」（{conference_dates}、{venue}）に"
        "ご招待申し上げます。\n\n"
        "本会議は招待制です。下記の個人用リンクからアカウントを作成し、ご登録ください。\n"
        "{invitation_link}\n\n"
        "リンクの有効期限：{link_valid_until}\n\n"
        "このリンクはご本人専用です。転送はご遠慮ください。\n"
        "皆様のご参加を心よりお待ち申し上げております。"
    ),
}
