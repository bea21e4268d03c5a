"""Telling requesters about their appeals.

A change of status is recorded where it happens and told later: ``appeals.services._event`` calls
``notify_status_change`` inside the appeal's transaction whenever the status changes (the intake
writes the same row with its own: ``status_change_writes``), which enqueues one
``tasks.deliver_event_task`` for the change (django-tasks; with the database backend its row is
written in the same transaction, so the change and the task to tell it commit together or not at
all). The task composes the messages — one ``Delivery`` per requester (the appeal's and those of the
duplicates merged into it) and configured channel, ``event_compose`` — and sends each; a failure is
retried on its own (``tasks.deliver_task``) with a growing delay until the delivery is marked sent
or failed. Composing in the task keeps the request that changes the appeal free of the recipients'
lookups, the texts and their signed links.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.appeals.models import Appeal, AppealEvent
from shequ.core import writes
from shequ.core.idcard import mask_phone
from shequ.core.tasks import enqueue_with_transaction, task_row
from shequ.selfservice.links import follow_url

from . import channels
from .channels import ChannelError, Message, Recipient
from .models import Delivery, Notification


def _reachable(appeal: Appeal) -> bool:
    """Whether the requester of ``appeal`` can be told anything: a phone or an account (an
    anonymous patrol finding has neither)."""
    return bool(appeal.requester_phone or appeal.requester_user_id)


def requesters_of(appeal: Appeal, *, followers: bool = True) -> list[Recipient]:
    """Whom to tell about a change of ``appeal``: its requester and the requesters of the duplicates
    merged into it (``Appeal.merged_into``), each with their own appeal's number and link."""
    appeals = [appeal, *(Appeal.objects.filter(merged_into=appeal).select_related("requester_user") if followers else ())]
    user_ids = [a.requester_user_id for a in appeals if a.requester_user_id]
    openids = {}
    if user_ids:
        from .models import WeChatBinding

        openids = {b.user_id: b.openid for b in WeChatBinding.objects.filter(user_id__in=user_ids)}
    result = []
    for a in appeals:
        if not _reachable(a):
            continue
        user = a.requester_user if a.requester_user_id else None
        result.append(Recipient(appeal_id=a.pk, number=a.number, phone=a.requester_phone or "",
                                user_id=a.requester_user_id, email=getattr(user, "email", "") or "",
                                openid=openids.get(a.requester_user_id, "")))
    return result


def _status_label(status: str) -> str:
    """The status in words, in the site's language (messages go out whatever the staff's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return Appeal.status_label(status)


def _message(recipient: Recipient, appeal: Appeal, status: str) -> Message:
    with translation.override(settings.LANGUAGE_CODE):
        status_label = Appeal.status_label(status)
        link = follow_url(recipient.appeal_id)
        if recipient.appeal_id == appeal.pk:
            subject = _("您的诉求 %(number)s:%(status)s") % {"number": recipient.number, "status": status_label}
        else:
            subject = _("您的诉求 %(number)s(已并入 %(into)s):%(status)s") % {
                "number": recipient.number, "into": appeal.number, "status": status_label}
        text = _("%(subject)s。查看办理进度并评价:%(link)s") % {"subject": subject, "link": link}
    return Message(subject=subject, text=text, link=link, number=recipient.number, status=status_label,
                   appeal_id=recipient.appeal_id)


def _masked(channel_name: str, recipient: Recipient, address: str) -> str:
    if recipient.phone and address == recipient.phone:
        return mask_phone(recipient.phone)
    if channel_name == "email" and "@" in address:
        local, _at, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if recipient.user_id:
        return f"user#{recipient.user_id}"
    return f"appeal#{recipient.appeal_id}"


def deliveries_for(*, appeal: Appeal, event: AppealEvent) -> list[Delivery]:
    """The deliveries of a change of status, one per requester and configured channel, not yet
    written (``appeal`` must carry its number: the messages quote it)."""
    # A just-submitted appeal has nothing merged into it yet: no query for followers.
    recipients = requesters_of(appeal, followers=event.verb != "submitted")
    deliveries, messages = [], {}
    for channel in channels.configured():
        for recipient in recipients:
            address = channel.address(recipient)
            if not address:
                continue
            message = messages.get(recipient.appeal_id)
            if message is None:  # one text per requester, whatever the channels
                message = messages[recipient.appeal_id] = _message(recipient, appeal, event.to_status)
            deliveries.append(Delivery(
                appeal_id=recipient.appeal_id, event=event, event_verb=event.verb, to_status=event.to_status,
                channel=channel.name, recipient_masked=_masked(channel.name, recipient, address), address=address,
                user_id=recipient.user_id, subject=message.subject, body=message.text, link=message.link,
            ))
    return deliveries


def status_change_writes(*, appeal: Appeal, event: AppealEvent) -> tuple[list, Callable[[], None]]:
    """What a change of status records, for the caller to write with its own rows: with the
    database task backend, the row of the task that composes and sends its messages
    (``tasks.deliver_event_task``); and what to run once the rows are written (with another task
    backend: enqueue that task when the transaction commits). Nothing for a new appeal nobody
    can be told about (no phone, no account: an anonymous patrol finding)."""
    if event.verb == "submitted" and not _reachable(appeal):  # a new appeal has no duplicates merged in yet
        return [], _nothing
    from .tasks import deliver_event_task

    task = task_row(deliver_event_task, event_id=event.pk)
    if task is not None:
        return [task], _nothing
    return [], lambda: enqueue_with_transaction(deliver_event_task, event_id=event.pk)


def _nothing() -> None:
    return None


def notify_status_change(*, appeal: Appeal, event: AppealEvent) -> None:
    """Enqueue the telling of a change of status (it runs once the transaction commits)."""
    rows, after = status_change_writes(appeal=appeal, event=event)
    writes.insert_rows(rows)
    after()


def event_compose(*, event_id: int) -> int:
    """Record the deliveries of one change of status (``deliveries_for``), once: a later run of
    the same task finds them recorded. The number recorded by this call."""
    with transaction.atomic():
        event = (AppealEvent.objects.select_for_update(of=("self",)).select_related("appeal")
                 .filter(pk=event_id).first())
        if event is None or Delivery.objects.filter(event_id=event_id).exists():
            return 0
        deliveries = deliveries_for(appeal=event.appeal, event=event)
        writes.insert_rows(deliveries)
        return len(deliveries)


def event_send(*, event_id: int) -> int:
    """Compose (``event_compose``) and send the pending deliveries of one change of status (each
    on its own, as ``delivery_send``); the number sent."""
    event_compose(event_id=event_id)
    ids = Delivery.objects.filter(event_id=event_id, status=Delivery.Status.PENDING).order_by("id").values_list(
        "id", flat=True)
    sent = [delivery_send(delivery_id=pk) for pk in ids]
    return sum(1 for d in sent if d is not None and d.status == Delivery.Status.SENT)


def max_tries() -> int:
    return int(getattr(settings, "SHEQU_NOTIFY_MAX_TRIES", 4))


def retry_delay(tries: int) -> dt.timedelta:
    """1, 4, 16 ... minutes after the first, second, third failure."""
    return dt.timedelta(minutes=4 ** (tries - 1))


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one pending delivery: sent, or one more try recorded (pending again, or failed after
    ``SHEQU_NOTIFY_MAX_TRIES``). Returns the delivery, or None when it was already done."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id, status=Delivery.Status.PENDING).first()
        if delivery is None:
            return None
        number = Appeal.objects.filter(pk=delivery.appeal_id).values_list("number", flat=True).first() or ""
        message = Message(subject=delivery.subject, text=delivery.body, link=delivery.link, number=number,
                          status=_status_label(delivery.to_status), appeal_id=delivery.appeal_id)
        delivery.tries += 1
        try:
            channel = channels.get(delivery.channel)
            channel.send(address=delivery.address, message=message, user_id=delivery.user_id)
        except (ChannelError, ImportError) as exc:
            delivery.error = str(exc)[:2000]
            delivery.status = Delivery.Status.FAILED if delivery.tries >= max_tries() else Delivery.Status.PENDING
        else:
            delivery.status, delivery.error, delivery.sent_at = Delivery.Status.SENT, "", timezone.now()
        delivery.save(update_fields=["tries", "status", "error", "sent_at", "updated_at"])
    if delivery.status == Delivery.Status.PENDING:
        _retry_later(delivery)
    return delivery


def _retry_later(delivery: Delivery) -> None:
    from .tasks import deliver_task

    if deliver_task.get_backend().supports_defer:
        deliver_task.using(run_after=timezone.now() + retry_delay(delivery.tries)).enqueue(delivery_id=delivery.pk)
    else:  # the immediate backend (tests, no worker): try again right away
        deliver_task.enqueue(delivery_id=delivery.pk)


def notifications_mark_read(*, user, ids: list[int]) -> int:
    """Mark the user's own in-app messages as read (others' ids are ignored)."""
    return Notification.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
