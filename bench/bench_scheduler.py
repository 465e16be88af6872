"""
The B2B auto-scheduler benchmark: self-booking, greedy and the scheduler on
seeded instances of four tiers; results in bench/results/scheduler.json.
See bench/scheduler/run.py for what it measures and the time limits.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scheduler.run import main

if __name__ == "__main__":
    main()
