"""Celery tasks of the API: thin wrappers that take ids and call the webhook delivery."""

from celery import shared_task

from conference.api.webhooks import delivery


# acks_late: a delivery whose worker dies is run again (delivery is at least
# once; the row's lease also lets the sweep take it over).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def webhook_deliver(message_pk):
    delivery.message_deliver(message_pk=message_pk)


@shared_task
def webhook_sweep():
    """Deliver every due message, those whose worker died or whose task the broker lost."""
    delivery.deliver_later(delivery.message_due_ids())
