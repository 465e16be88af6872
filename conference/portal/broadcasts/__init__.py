"""
Broadcasts: organisers write to a chosen audience of the conference (e.g.
"approved financiers", "everyone signed up for the masterclass"), each
recipient in their own language, sent through the outbox as a Job.

Part of the composition layer: the audience reads registrations
(accounts), session sign-ups (sessions_app), meetings and topics
(b2b_meetings).
"""
