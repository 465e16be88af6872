"""
Pages and feeds of the agenda, one module per audience: `public` (the
agenda, a session, the public feeds), `event_day` (the room × time grid and
"now and next"), `speakers` (speakers' pages and public photos), `delegate`
(sign-up, "my schedule" and its feed) and `organiser` (the agenda builder).
`page_cache` holds the caching they share.
"""
