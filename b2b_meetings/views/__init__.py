"""
Pages of the B2B meetings, by audience:

- `delegate`: the directory, requests, availability and meetings (the
  meeting page and its cancel button serve the organisers too);
- `organiser`: the grid, booking and moving meetings, setup, stats and
  feedback;
- `messages`: posting to the message thread of a request or meeting;
- `shared`: what both need (a meeting or request and its page, the 409 of a meeting
  changed meanwhile, grouping by day).

Views parse, authorise (through `conference_view` and the scoped
selectors), call one service and render. Anything a person may not see is a
404, never a 403 that would confirm it exists. Domain errors reach the
person through `conference.core.errors.shown_to_user`.
"""
