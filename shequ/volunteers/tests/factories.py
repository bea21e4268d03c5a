"""Shared setup for the volunteers tests (on top of the ``world`` fixture)."""
from __future__ import annotations

import datetime as dt
import importlib

from django.apps import apps
from django.utils import timezone

from shequ.volunteers import services

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def ensure_skills() -> None:
    importlib.import_module("shequ.volunteers.migrations.0002_default_skills").load(apps, None)


def register(world, key: str = "A101h", actor: str = "worker_a", skills=("first_aid",), **kw):
    ensure_skills()
    return services.volunteer_register(actor=world.users[actor], resident_id=world.residents[key].pk, skills=skills, **kw)


def outsider(world, actor: str = "worker_a", phone: str = "13912345678", node: str = "A_grid", name: str = "王志愿"):
    ensure_skills()
    return services.volunteer_register(actor=world.users[actor], name=name, phone=phone, node_id=world.nodes[node].pk)


def activity(world, actor: str = "worker_a", node: str = "A", capacity: int = 2, start=None, **kw):
    start = start or timezone.now() + dt.timedelta(days=2)
    return services.activity_create(actor=world.users[actor], title=kw.pop("title", "楼道清理"), node_id=world.nodes[node].pk,
                                     starts_at=start, ends_at=start + dt.timedelta(hours=3), capacity=capacity, **kw)
