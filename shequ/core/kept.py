"""Credentials a process has checked (API tokens, Open311 client keys), kept for a few seconds.

Checking a key is a query per request; a client sending hundreds of requests a second with one
key would pay it on every one. A process keeps what it found for ``SHEQU_TOKEN_CACHE_SECONDS``
(default 10; 0 = never) while a shared generation in the cache (settings ``CACHES``) stays the
same. Every change made through the application to what a key grants (connected to the models'
signals) moves that generation, so revoking a key, deactivating a user or changing bindings or
permissions takes effect at once in every process that shares the cache; a change made around the
application (raw SQL) within those seconds.
"""
from __future__ import annotations

import secrets
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

#: Entries a process keeps at most per kind (then it starts afresh).
MAX_ENTRIES = 10_000


class Kept:
    def __init__(self, name: str):
        self.generation_key = f"shequ:kept-generation:{name}"
        self.entries: dict[str, tuple[float, str | None, Any]] = {}

    def get(self, digest: str) -> Any | None:
        kept = self.entries.get(digest)
        if kept is None:
            return None
        if kept[1] != cache.get(self.generation_key) or time.monotonic() - kept[0] >= settings.SHEQU_TOKEN_CACHE_SECONDS:
            self.entries.pop(digest, None)
            return None
        return kept[2]

    def put(self, digest: str, value: Any, generation: str | None) -> None:
        """Keep ``value``, read after ``generation`` (``generation()``, taken before the read)."""
        if settings.SHEQU_TOKEN_CACHE_SECONDS <= 0:
            return
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[digest] = (time.monotonic(), generation, value)

    def generation(self) -> str | None:
        return cache.get(self.generation_key)

    def changed(self, **_kwargs) -> None:
        """Signal receiver: drop everything kept, here and (through the generation) everywhere.
        Moved again after commit, so that a process that re-read the old rows before the commit
        drops them as well."""
        def move():
            self.entries.clear()
            cache.set(self.generation_key, secrets.token_hex(8), None)

        move()
        transaction.on_commit(move)
