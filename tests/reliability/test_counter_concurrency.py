"""
Counters kept under contention, for the rows beside the session's seats:
a bulk-send job run by several workers at once (a redelivered task beside
the first), and an invitation resent from several tabs at once. Each
counter ends equal to what it counts: the job's progress to the invitations
sent, the invitation's send count to its emails.
"""

import pytest

from accounts import services
from accounts.models import Invitation
from accounts.services import invitation_jobs
from accounts.services import invitations as invitation_services
from conference.core.models import Job, OutgoingEmail
from tests.factories import InvitationFactory
from tests.reliability.parallel import crashes, run_together, slowed

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 3
TABS = 8


def test_a_bulk_send_run_by_three_workers_at_once_counts_each_invitation_once(
    conference, organiser, settings, monkeypatch
):
    """
    The broker delivers the bulk-send task three times at once. Batches are
    claimed with SKIP LOCKED, so each invitation is sent once; the job's
    progress is raised with F() by each batch, and when the job is done its
    total is what was done, not an estimate taken while another worker's
    batch was still in flight.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = False  # deliveries wait in the broker
    invitations = 2 * services.SEND_BATCH + 50
    Invitation.objects.bulk_create(
        Invitation(conference=conference, email=f"bulk{i}@example.org", invited_by=organiser)
        for i in range(invitations)
    )
    job = Job.objects.create(
        conference=conference, kind=services.JOB_INVITATIONS_SEND, total=invitations
    )
    # Inside each batch's transaction: the workers' batches overlap.
    monkeypatch.setattr(
        invitation_jobs, "email_queue_many", slowed(invitation_jobs, "email_queue_many")
    )

    outcomes = run_together(
        lambda i: services.invitation_send_job_run(job_id=job.pk).status, WORKERS
    )

    assert crashes(outcomes) == []
    assert OutgoingEmail.objects.filter(kind="invitation").count() == invitations
    assert set(Invitation.objects.values_list("send_count", flat=True)) == {1}
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == (
        Job.Status.DONE,
        invitations,
        invitations,
        100,
    )


def test_resending_an_invitation_from_eight_tabs_at_once_counts_every_email(
    conference, organiser, monkeypatch
):
    """
    Each resend is a new email (its dedup key holds the send count), so the
    count is raised under the invitation's lock: eight resends at once make
    eight new emails and a count of nine, never two emails with one key.
    """
    invitation = InvitationFactory(conference=conference, send_count=1)
    monkeypatch.setattr(
        invitation_services, "audit_record", slowed(invitation_services, "audit_record")
    )

    outcomes = run_together(
        lambda i: services.invitation_resend(invitation=invitation, actor=organiser).send_count,
        TABS,
    )

    assert crashes(outcomes) == []
    assert sorted(value for _kind, value in outcomes) == list(range(2, TABS + 2))
    invitation.refresh_from_db()
    assert invitation.send_count == TABS + 1
    keys = OutgoingEmail.objects.filter(kind="invitation").values_list("dedup_key", flat=True)
    assert sorted(keys) == sorted(
        Invitation.email_dedup_key(invitation.pk, n) for n in range(2, TABS + 2)
    )
