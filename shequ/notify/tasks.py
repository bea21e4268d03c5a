"""Background delivery of notifications (django-tasks; the database backend in production).

They run on their own queue, ``notify``: a worker started for it alone (``make demo`` starts one beside
the worker of every queue; docs/deployment.md) tells requesters while a long import or report holds
the other worker."""
from __future__ import annotations

from django_tasks import task

QUEUE = "notify"


@task(queue_name=QUEUE)
def deliver_task(delivery_id: int) -> str:
    """Send one recorded notification; a failure is retried later (see services.delivery_send)."""
    from .services import delivery_send

    delivery = delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "done"


@task(queue_name=QUEUE)
def deliver_event_task(event_id: int) -> dict:
    """Compose and send the notifications of one change of an appeal (see services.event_send)."""
    from .services import event_send

    return {"sent": event_send(event_id=event_id)}


@task(queue_name=QUEUE)
def notify_pending_task() -> dict:
    """Compose and send the messages of every change marked to be told (see services.pending_send);
    enqueued every few seconds by the scheduler."""
    from .services import pending_send

    return {"sent": pending_send()}
