"""
The composition layer's pages, one module per audience:

- `public`: the conference list, a conference's home page, the favicon;
- `ops`: /livez, /readyz (and /healthz), /metrics, for load balancers and monitoring;
- `dashboard`: the organisers' dashboard (its widgets: conference.core.dashboard);
- `outbox`: the organisers' email outbox;
- `exports`: the organisers' exports page, attendee lists, badges, B2B
  schedules and presets;
- `gatelist`: the security officers' gate list (ID document data);
- `checkin`: the check-in desk (check-in staff and organisers);
- `delegate`: a delegate's own badge and B2B meeting schedule.

Who may do what is checked on the server by `conference_view`. Every export
is written to the audit log before its first byte is sent; exports carry
personal data and are never cached (`never_cache`). The responses that send
files are built in `downloads`.
"""
