"""
What the tests share besides fixtures: plain functions and constants, each
defined once. Fixtures live in the conftest.py files; no test imports from a
conftest or from another test module.

    from tests.helpers import listed, login, make_slots, url

- web: a logged-in client (`login`), a conference's page (`url`), what a
  response served (`body`, `read_csv`, `read_xlsx`, `pdf_pages`, `shown_secret`
  with `TOKEN_FIELD` or `WEBHOOK_SECRET_FIELD`);
- data: `publish`, `hours`, `make_slots`, `listed`, `book_meeting`,
  `send_request`, `registration_details`, `registration_form_data`,
  `registration_question` (`QUESTION_CHOICES`);
- processes: `database_url_of_tests`, `free_port`, `wait_for`,
  `production_env`, `run_python`;
- permission_walk: the table of what each persona gets at every URL, and
  permission_world: the objects those URLs point at (import them from their
  modules);
- url_fuzz: the URL fuzz's parameters, hostile values and checks (import
  it from its module);
- smtp, workers, browser: the SMTP sink, the Celery worker's command line,
  headless Chromium (import them from their modules).
"""

from tests.helpers.data import (
    QUESTION_CHOICES,
    book_meeting,
    hours,
    listed,
    make_slots,
    publish,
    registration_details,
    registration_form_data,
    registration_question,
    send_request,
)
from tests.helpers.processes import (
    database_url_of_tests,
    free_port,
    production_env,
    run_python,
    wait_for,
)
from tests.helpers.web import (
    TOKEN_FIELD,
    WEBHOOK_SECRET_FIELD,
    body,
    login,
    pdf_pages,
    read_csv,
    read_xlsx,
    shown_secret,
    url,
)

__all__ = [
    "QUESTION_CHOICES",
    "TOKEN_FIELD",
    "WEBHOOK_SECRET_FIELD",
    "body",
    "book_meeting",
    "database_url_of_tests",
    "free_port",
    "hours",
    "listed",
    "login",
    "make_slots",
    "pdf_pages",
    "production_env",
    "publish",
    "read_csv",
    "read_xlsx",
    "registration_details",
    "registration_form_data",
    "registration_question",
    "run_python",
    "send_request",
    "shown_secret",
    "url",
    "wait_for",
]
