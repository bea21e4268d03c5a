"""Safe retries of requests that create a record (the ``Idempotency-Key`` request header).

A client that sent a creating request and got no answer (a timeout, a dropped connection, a
server restarted under it) cannot know whether the record was made. With a key of its choosing
sent along, it simply sends the same request again: the first request to finish with that key
makes the record, and every other request with the key gets that record back instead of making a
second one, also when the two run at the same moment (the key's row is written in the record's
transaction, under a unique constraint). The same key with a different request body is refused
(422); a key whose record is gone answers 409. Keys are kept ``SHEQU_IDEMPOTENCY_HOURS`` (default 24) hours, then purged.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Conflict, InvalidInput
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_MAX = 255
T = TypeVar("T", bound=models.Model)


def fingerprint(body: bytes) -> str:
    """The digest of a raw request body (a JSON request)."""
    return hashlib.sha256(body or b"").hexdigest()


def form_fingerprint(data) -> str:
    """The digest of a form's fields (a QueryDict: its raw body may already have been read)."""
    return fingerprint(json.dumps(sorted(data.lists()), ensure_ascii=False).encode())


def checked_key(value: str | None) -> str:
    """The ``Idempotency-Key`` header's value ('' without one); refused when too long or not
    printable ASCII."""
    key = (value or "").strip()
    if len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        raise InvalidInput(_("Idempotency-Key 应为不超过 255 个字符的可打印 ASCII 字符串"),
                           code="invalid_idempotency_key", extra={"field": HEADER})
    return key


def once(*, owner: str, key: str, body_fingerprint: Callable[[], str], create: Callable[[], T],
         load: Callable[[int], T]) -> tuple[T, bool]:
    """Run ``create`` once per ``owner`` and ``key``; return (the record, whether it was made earlier).

    Without a key, ``create`` simply runs (the request's fingerprint, ``body_fingerprint()``, is only
    computed with a key). ``load`` reads the earlier record by its id (in the caller's scope rules).
    ``create`` must write in the database only: if a concurrent request with the same key wins, this
    one's transaction is rolled back.
    """
    if not key:
        return create(), False
    fingerprint = body_fingerprint()
    earlier = IdempotencyKey.objects.filter(owner=owner, key=key).first()
    if earlier is None:
        try:
            with transaction.atomic():
                record = create()
                IdempotencyKey.objects.create(owner=owner, key=key, fingerprint=fingerprint,
                                              target_type=record._meta.label_lower, target_id=record.pk)
            return record, False
        except IntegrityError:
            # A request with the same key committed first (this one waited on the key's row).
            earlier = IdempotencyKey.objects.filter(owner=owner, key=key).first()
            if earlier is None:
                raise
    if earlier.fingerprint != fingerprint:
        raise InvalidInput(_("该 Idempotency-Key 已用于另一个不同的请求"), code="idempotency_key_reused",
                           extra={"field": HEADER})
    try:
        return load(earlier.target_id), True
    except ObjectDoesNotExist:
        raise Conflict(_("该 Idempotency-Key 登记的记录已不存在"), code="idempotency_target_gone",
                       extra={"field": HEADER}) from None


def purge(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than the retention; return how many."""
    hours = int(getattr(settings, "SHEQU_IDEMPOTENCY_HOURS", 24))
    cutoff = (now or timezone.now()) - dt.timedelta(hours=hours)
    deleted, _per_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
