"""Reads of notifications: a user's own in-app messages only."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import Delivery, Notification


def notification_list(*, user, limit: int = 20) -> QuerySet[Notification]:
    """The user's latest in-app messages (their own only), unread first."""
    if not (user and user.is_authenticated):
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("read_at", "-created_at", "-id")[:limit]


def delivery_list(*, appeal_id: int) -> QuerySet[Delivery]:
    return Delivery.objects.filter(appeal_id=appeal_id).order_by("created_at", "id")
