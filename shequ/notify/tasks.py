"""Background delivery of notifications (django-tasks; the database backend in production)."""
from __future__ import annotations

from django_tasks import task


@task()
def deliver_task(delivery_id: int) -> str:
    """Send one recorded notification; a failure is retried later (see services.delivery_send)."""
    from .services import delivery_send

    delivery = delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "done"


@task()
def deliver_event_task(event_id: int) -> dict:
    """Compose and send the notifications of one change of an appeal (see services.event_send)."""
    from .services import event_send

    return {"sent": event_send(event_id=event_id)}


@task()
def notify_pending_task() -> dict:
    """Compose and send the messages of every change marked to be told (see services.pending_send);
    enqueued every few seconds by the scheduler."""
    from .services import pending_send

    return {"sent": pending_send()}
