"""
The matchmaking benchmark: suggested meetings (b2b_meetings/matchmaking/engine/)
against random and kind-only baselines on seeded instances with planted ground
truth; results in bench/results/matchmaking.json. See bench/matchmaking/run.py
for the metrics and targets.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matchmaking.run import main

if __name__ == "__main__":
    main()
