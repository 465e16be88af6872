"""Matchmaking's views, by audience: `profiles` (delegates, and images) and `organiser`."""
