"""Run the providers: one ``compute()`` call per provider for all the nodes a page needs (the node,
its children and its siblings), with an optional short cache; ``problems()`` likewise.

Values do not depend on who asks (the caller has already limited the nodes to the user's scope),
so the cache key is the provider, the node ids and the period. ``SHEQU_INDICATORS_CACHE_SECONDS``
(default 60; 0 turns the cache off) bounds how stale a figure may be.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings

from shequ.core.kept import cached_for

from .discovery import Provider, providers

log = logging.getLogger(__name__)


def _cache_seconds() -> int:
    return int(getattr(settings, "SHEQU_INDICATORS_CACHE_SECONDS", 60))


def _key(kind: str, provider: Provider, ids: list[int], start: dt.date, end: dt.date) -> str:
    digest = hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]
    return f"shequ:indicators:{kind}:{provider.app}:{digest}:{start.isoformat()}:{end.isoformat()}"


def provider_values(provider: Provider, nodes: list, start: dt.date, end: dt.date) -> dict[int, dict]:
    """{node id: {key: value}} from one provider (cached)."""
    return cached_for(_key("values", provider, [n.pk for n in nodes], start, end), _cache_seconds(),
                      lambda: provider.module.compute(nodes, start, end) or {})


def all_values(nodes: list, start: dt.date, end: dt.date, *, on_step=None) -> dict[int, dict]:
    """Every provider's values merged per node; ``on_step(provider)`` after each provider."""
    merged: dict[int, dict] = {node.pk: {} for node in nodes}
    for provider in providers():
        for pk, values in provider_values(provider, nodes, start, end).items():
            if pk in merged:
                merged[pk].update(values)
        if on_step:
            on_step(provider)
    return merged


def all_problems(nodes: list, start: dt.date, end: dt.date, *, on_step=None) -> list[dict]:
    """The problems every provider detects under ``nodes``, most severe first."""
    found = []
    for provider in providers():
        if provider.has_problems:
            for problem in provider.module.problems(nodes, start, end) or []:
                found.append({"severity": 1, "communities": [], "suggestion": "", "evidence": "",
                              **problem, "source": provider.app})
        if on_step:
            on_step(provider)
    found.sort(key=lambda p: -int(p.get("severity") or 1))
    return found
