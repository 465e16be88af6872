"""
The "Prepare in the background" form and the exports page's `prepare`
query, fuzzed through the test client: whatever is sent, the answer is never
a server error, and a job is queued only for a known format with choices
that validate; the job that runs from it writes its file.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from conference.core.models import Job
from conference.portal.exports.jobs import export_job_run
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

HOSTILE = "{}<>&\"'\r\n\u2028\ufeff%ΣİßΔ,=+-@"
text = st.text(
    alphabet=st.one_of(st.sampled_from(HOSTILE), st.characters(codec="utf-8")), max_size=40
)
values = st.lists(
    st.one_of(
        text,
        st.sampled_from(["approved", "pending", "recycler", "IN", "JP", "yes", "no", "1", "-1"]),
    ),
    max_size=3,
)
formats = st.one_of(st.sampled_from(["xlsx", "pdf", "badges", "csv", ""]), text)
columns = st.one_of(
    st.sampled_from(["", "name,email", "name,,organisation", "password", "q_1", "name,name"]),
    text,
)


def rolled_back(action):
    with transaction.atomic():
        result = action()
        transaction.set_rollback(True)
    return result


@pytest.fixture
def staff(conference, organiser, settings):
    for status in ("approved", "approved", "pending"):
        RegistrationFactory(conference=conference, status=status)
    # Files written by the runs go with the rolled-back transaction.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "conference.core.storage.DatabaseStorage"},
    }
    client = Client()
    client.force_login(organiser)
    return client


@settings(max_examples=40, deadline=None)
@given(
    fmt=formats,
    columns=columns,
    status=values,
    kind=values,
    country=values,
    session=st.one_of(st.just(""), text, st.integers(-3, 2**40).map(str)),
    order=st.one_of(st.sampled_from(["", "name", "kind", "registered"]), text),
    layout=st.one_of(st.sampled_from(["", "people", "signups"]), text),
    sheet=st.one_of(st.sampled_from(["", "a4", "a6"]), text),
)
def test_any_prepare_post_is_answered_and_queues_only_valid_jobs(
    conference, staff, fmt, columns, status, kind, country, session, order, layout, sheet
):
    data = {
        "format": fmt,
        "columns": columns,
        "status": status,
        "kind": kind,
        "country": country,
        "session": session,
        "order": order,
        "layout": layout,
        "sheet": sheet,
    }
    path = reverse("conference:export_prepare", args=[conference.slug])

    def post():
        response = staff.post(path, data)
        jobs = list(Job.objects.filter(conference=conference))
        # The task waits for a commit that never comes here: run it in place.
        return response.status_code, [export_job_run(job_id=job.pk) for job in jobs]

    status_code, jobs = rolled_back(post)

    assert status_code in (302, 400)
    if status_code == 302:
        assert fmt in ("xlsx", "pdf", "badges")
        [job] = jobs
        assert job.params["format"] == fmt
        assert job.status == Job.Status.DONE, job.message
    else:
        assert jobs == []


@settings(max_examples=30, deadline=None)
@given(prepare=formats, columns=columns, status=values, sheet=text)
def test_any_prepare_query_on_the_exports_page_is_answered(
    conference, staff, prepare, columns, status, sheet
):
    path = reverse("conference:exports", args=[conference.slug])

    response = staff.get(
        path, {"prepare": prepare, "columns": columns, "status": status, "sheet": sheet}
    )

    assert response.status_code == 200
    shown = response.context["prepare"]
    assert (shown is None) == (prepare not in ("xlsx", "pdf", "badges"))


COLUMN_KEYS = ["name", "email", "organisation", "kind", "country", "job_title", "status"]
COLUMN_KEYS += ["vip", "sessions", "meeting_count", "dietary_needs", "checked_in_at"]


@settings(max_examples=15, deadline=None)
@given(
    fmt=st.sampled_from(["xlsx", "pdf", "badges"]),
    chosen=st.lists(st.sampled_from(COLUMN_KEYS), unique=True, max_size=6),
    status=st.lists(st.sampled_from(["approved", "pending", "rejected"]), unique=True),
    order=st.sampled_from(["name", "organisation", "delegation", "checked_in", "registered"]),
    layout=st.sampled_from(["people", "signups"]),
    sheet=st.sampled_from(["a4", "a6"]),
)
def test_any_valid_choice_is_prepared_into_a_file(
    conference, staff, fmt, chosen, status, order, layout, sheet
):
    data = {
        "format": fmt,
        "columns": ",".join(chosen),
        "status": status,
        "order": order,
        "layout": layout,
        "sheet": sheet,
    }
    path = reverse("conference:export_prepare", args=[conference.slug])

    def post():
        response = staff.post(path, data)
        [job] = Job.objects.filter(conference=conference)
        return response.status_code, export_job_run(job_id=job.pk)

    status_code, job = rolled_back(post)

    assert status_code == 302
    assert job.status == Job.Status.DONE, job.message
    assert job.result["size"] > 0
