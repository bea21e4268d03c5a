"""Telling requesters about their appeals.

A change of status is recorded where it happens and told later. The timeline line of the change is
its own outbox entry: ``appeals.services`` asks ``mark_to_tell`` before writing the line, which sets
its ``notify_pending`` (nothing for a new appeal nobody can be told about), so the change and the
promise to tell it commit together or not at all, with no row of their own. With the database task
backend (production) the periodic ``tasks.notify_pending_task`` (every few seconds, see
``shequ.core.schedule``) takes the marked lines, composes their messages — one ``Delivery`` per
requester (the appeal's and those of the duplicates merged into it) and configured channel,
``event_compose`` — and sends each; with another backend (the immediate one of the tests) one
``tasks.deliver_event_task`` per line is enqueued when the transaction commits. A failed delivery is
retried on its own (``tasks.deliver_task``) with a growing delay until it is sent or marked failed.
Composing afterwards keeps the request that changes the appeal free of the recipients' lookups,
the texts and their signed links, and of any write beyond the line itself.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.selectors import merged_followers
from shequ.core import writes
from shequ.core.idcard import mask_phone
from shequ.core.tasks import enqueue_with_transaction, uses_database_backend
from shequ.selfservice.links import follow_url

from . import channels
from .channels import ChannelError, Message, Recipient
from .models import Delivery, Notification

logger = logging.getLogger(__name__)


def _reachable(appeal: Appeal) -> bool:
    """Whether the requester of ``appeal`` can be told anything: a phone or an account (an
    anonymous patrol finding has neither)."""
    return bool(appeal.requester_phone or appeal.requester_user_id)


def requesters_of(appeal: Appeal, *, followers: bool = True) -> list[Recipient]:
    """Whom to tell about a change of ``appeal``: its requester and the requesters of the duplicates
    merged into it (``Appeal.merged_into``), each with their own appeal's number and link."""
    appeals = [appeal, *(merged_followers(appeal=appeal).select_related("requester_user") if followers else ())]
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


def mark_to_tell(*, appeal: Appeal, event: AppealEvent) -> Callable[[], None] | None:
    """Mark the timeline line of a change of status (not yet written) as to be told to the
    requester, and return what to run once it is written: None with the database task backend
    (``notify_pending_task`` finds the line), else enqueue its ``deliver_event_task`` on commit.
    A new appeal nobody can be told about (no phone, no account: an anonymous patrol finding) is
    not marked; a later change is, since requesters of duplicates merged into it may be told."""
    if event.verb == "submitted" and not _reachable(appeal):  # a new appeal has no duplicates merged in yet
        return None
    event.notify_pending = True
    from .tasks import deliver_event_task

    if uses_database_backend(deliver_event_task):
        return None
    return lambda: enqueue_with_transaction(deliver_event_task, event_id=event.pk)


def event_compose(*, event_id: int) -> int:
    """Record the deliveries of one change of status (``deliveries_for``) and clear its mark,
    once: a later call finds them recorded. The number recorded by this call."""
    with transaction.atomic():
        return _compose(AppealEvent.objects.select_for_update(of=("self",)).select_related("appeal")
                        .filter(pk=event_id))


def _compose(events) -> int:
    """Inside a transaction: the deliveries of the locked timeline lines ``events`` (a queryset),
    except lines whose deliveries were recorded before, written together; their marks cleared. The
    number of deliveries recorded."""
    events = list(events)
    if not events:
        return 0
    done = set(Delivery.objects.filter(event_id__in=[e.pk for e in events]).values_list("event_id", flat=True))
    deliveries = [d for e in events if e.pk not in done for d in deliveries_for(appeal=e.appeal, event=e)]
    writes.insert_rows(deliveries)
    marked = [e.pk for e in events if e.notify_pending]
    if marked:
        AppealEvent.objects.filter(pk__in=marked).update(notify_pending=False)
    return len(deliveries)


def _send(selection: Q) -> tuple[int, int]:
    """Send the pending deliveries ``selection`` picks, at most a batch, in one transaction (each
    locked; one another run holds is left to it): each sent (``_try_all``), or one more try recorded
    (``_record``), all written together; a delivery to try again is handed to its own retry task. How many were
    tried, and how many sent."""
    with transaction.atomic():
        deliveries = list(_pending().select_for_update(of=("self",), skip_locked=True).filter(selection)
                          .order_by("id")[:PENDING_BATCH])
        for delivery, error in zip(deliveries, _try_all(deliveries)):
            _record(delivery, error)
        Delivery.objects.bulk_update(deliveries, _ATTEMPT_FIELDS)
    for delivery in deliveries:
        if delivery.status == Delivery.Status.PENDING:
            _retry_later(delivery)
    return len(deliveries), sum(1 for d in deliveries if d.status == Delivery.Status.SENT)


def event_send(*, event_id: int) -> int:
    """Compose (``event_compose``) and send the pending deliveries of one change of status; the
    number sent."""
    event_compose(event_id=event_id)
    return _send_untried(Q(event_id=event_id))


#: How many marked lines, or deliveries, one transaction of ``pending_send`` takes.
PENDING_BATCH = 200

#: A delivery composed this long ago and never tried was left by a run that stopped before sending.
STALE = dt.timedelta(minutes=5)


def pending_send(*, batch: int = PENDING_BATCH) -> int:
    """Compose and send the messages of every timeline line marked to be told (oldest first, in
    batches of ``batch`` composed in one transaction; lines another run holds locked are left to
    it), after the deliveries an earlier run composed but never tried (``STALE``); the number sent."""
    sent = _send_untried(Q(created_at__lt=timezone.now() - STALE))
    while True:
        with transaction.atomic():
            ids = list(AppealEvent.objects.select_for_update(skip_locked=True).filter(notify_pending=True)
                       .order_by("id").values_list("id", flat=True)[:batch])
            _compose(AppealEvent.objects.select_related("appeal").filter(pk__in=ids))
        if not ids:
            return sent
        sent += _send_untried(Q(event_id__in=ids))


def _send_untried(selection: Q) -> int:
    """Send, batch after batch, every pending delivery ``selection`` picks that was never tried (a
    failed try waits for its own retry); the number sent."""
    sent = 0
    while True:
        tried, told = _send(selection & Q(tries=0))
        sent += told
        if not tried:
            return sent


def max_tries() -> int:
    return int(getattr(settings, "SHEQU_NOTIFY_MAX_TRIES", 4))


def retry_delay(tries: int) -> dt.timedelta:
    """1, 4, 16 ... minutes after the first, second, third failure."""
    return dt.timedelta(minutes=4 ** (tries - 1))


def _pending():
    """Pending deliveries, each with its appeal's number (quoted by some channels)."""
    return Delivery.objects.annotate(number=F("appeal__number")).filter(status=Delivery.Status.PENDING)


#: What one try of a delivery changes.
_ATTEMPT_FIELDS = ["tries", "status", "error", "sent_at", "updated_at"]


def send_threads() -> int:
    return max(1, int(getattr(settings, "SHEQU_NOTIFY_SEND_THREADS", 8)))


def _try_all(deliveries: list[Delivery]) -> list[Exception | None]:
    """Send each delivery through its channel; the errors, in order. Any error counts as a failed
    try, so that one broken channel cannot leave the others' messages unsent. The messages of
    channels that only call an outside service (``Channel.remote``: SMS gateway, WeChat, e-mail) go
    out up to ``send_threads()`` at once, so a slow gateway does not make a batch wait for each
    message in turn; the others (in-app rows, custom channels) are sent in this thread, inside the
    caller's transaction. Messages are composed here (this thread's language)."""
    found: dict[str, channels.Channel | Exception] = {}
    for name in {d.channel for d in deliveries}:
        try:
            found[name] = channels.get(name)
        except Exception as exc:  # noqa: BLE001 - an unknown channel: a failed try of each of its deliveries
            found[name] = exc
    messages = [Message(subject=d.subject, text=d.body, link=d.link, number=d.number or "",
                        status=_status_label(d.to_status), appeal_id=d.appeal_id) for d in deliveries]

    def send(i: int) -> Exception | None:
        channel, delivery = found[deliveries[i].channel], deliveries[i]
        if isinstance(channel, Exception):
            return channel
        try:
            channel.send(address=delivery.address, message=messages[i], user_id=delivery.user_id)
        except Exception as exc:  # noqa: BLE001 - recorded on the delivery and retried
            return exc
        return None

    errors: list[Exception | None] = [None] * len(deliveries)
    remote = []
    for i, delivery in enumerate(deliveries):
        if getattr(found[delivery.channel], "remote", False):
            remote.append(i)
        else:
            errors[i] = send(i)
    threads = min(send_threads(), len(remote))
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="notify-send") as pool:
            for i, error in zip(remote, pool.map(send, remote)):
                errors[i] = error
    else:
        for i in remote:
            errors[i] = send(i)
    return errors


def _record(delivery: Delivery, error: Exception | None) -> None:
    """One try of the delivery: sent, or its error kept and the delivery pending again (failed after
    ``SHEQU_NOTIFY_MAX_TRIES``); not saved. An error that is not a ``ChannelError`` is logged."""
    delivery.tries += 1
    if error is not None:
        if not isinstance(error, ChannelError):
            logger.error("notify channel %s failed on delivery %s", delivery.channel, delivery.pk, exc_info=error)
        delivery.error = str(error)[:2000]
        delivery.status = Delivery.Status.FAILED if delivery.tries >= max_tries() else Delivery.Status.PENDING
    else:
        delivery.status, delivery.error, delivery.sent_at = Delivery.Status.SENT, "", timezone.now()
    delivery.updated_at = timezone.now()


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one pending delivery (``_try_all``) and record the try (``_record``). Returns the delivery, or None
    when it was already done."""
    with transaction.atomic():
        delivery = _pending().select_for_update(of=("self",)).filter(pk=delivery_id).first()
        if delivery is None:
            return None
        _record(delivery, _try_all([delivery])[0])
        delivery.save(update_fields=_ATTEMPT_FIELDS)
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
