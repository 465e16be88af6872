"""
`manage.py seed_demo`: the demo conference (slug `bcmec`) with its logins,
agenda, sign-ups and B2B meetings, dated relative to the day it first runs
(conference.portal.demo.seed); `--scale large` adds synthetic volume for
benchmarks (conference.portal.demo.large). Then every delegate's suggested
meetings are computed. Idempotent: a second run adds nothing.
"""

import time

from django.core.management.base import BaseCommand

from b2b_meetings.matchmaking.suggestions import suggestions_refresh
from conference.portal.demo import data
from conference.portal.demo.large import LargeDemoSeed
from conference.portal.demo.seed import DemoSeed

PORTAL_URL = "http://127.0.0.1:8000/events/bcmec/"


class Command(BaseCommand):
    help = "Create the demo conference 'bcmec' with logins, agenda and B2B meetings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["base", "large"],
            default="base",
            help="'large' adds 2,000 delegates, 400 organisations, 80 sessions, "
            "24 B2B slots × 30 tables and 3,000 meeting requests.",
        )

    def handle(self, *args, scale, **options):
        started = time.monotonic()
        seed = LargeDemoSeed if scale == "large" else DemoSeed
        conference, _organiser = seed(stdout=self.stdout, stderr=self.stderr).run()
        # Suggested meetings are precomputed: work them out now, so that the
        # demo shows them before the first refresh of the background worker.
        delegates, seconds = suggestions_refresh(conference=conference)
        self.stdout.write(f"  suggested meetings: for {delegates} delegates ({seconds:.1f} s)")
        self.print_logins(time.monotonic() - started)

    # --- output --------------------------------------------------------------

    def print_logins(self, seconds):
        first, second = data.DELEGATES[0], data.DELEGATES[1]
        approved = sum(1 for d in data.DELEGATES if d.get("status", "approved") == "approved")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo conference ready in {seconds:.1f} s:"))
        self.stdout.write(f"  {PORTAL_URL}")
        self.stdout.write(f"Logins (password {data.DEMO_PASSWORD}):")
        self.stdout.write("  organiser@example.org   organiser")
        self.stdout.write("  security@example.org    security officer (gate list)")
        self.stdout.write("  checkin@example.org     check-in staff")
        self.stdout.write(
            f"  delegate1@example.org … delegate{approved}@example.org   approved delegates "
            f"(delegate1 at {first['organisation']}, delegate2 at {second['organisation']})"
        )
        self.stdout.write(
            f"  delegate{approved + 1}@example.org … delegate{len(data.DELEGATES)}@example.org   "
            "pending or on the waiting list"
        )
        self.stdout.write("  admin@example.org       Django admin at /admin/")
