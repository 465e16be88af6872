"""
The load benchmark: requests/s and p50/p95/p99 latency of the agenda, the
B2B directory, my schedule, the organiser dashboard and accept POSTs at 50
concurrent clients; results in bench/results/load.json. See
bench/load/run.py for the setup, the options and the time it takes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load.run import main

if __name__ == "__main__":
    sys.exit(main())
