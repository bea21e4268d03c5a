"""What a process has read and may keep for a few seconds: checked credentials (API tokens, Open311
client keys) and small reference tables read on every request (the service catalog, the
holiday calendar).

Checking a key is a query per request; a client sending hundreds of requests a second with one
key would pay it on every one. A process keeps what it found for the seconds of its setting
(``SHEQU_TOKEN_CACHE_SECONDS`` for credentials, default 10; 0 = never) while a shared generation in
the cache (settings ``CACHES``) stays the same. Every change made through the application (the
models' signals, ``watch``) moves that generation, so revoking a key, deactivating a user,
changing bindings, permissions or a catalog entry takes effect at once in every process that
shares the cache; a change made around the application (raw SQL, ``QuerySet.update()``) within
those seconds.
"""
from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.db import transaction

#: Entries a process keeps at most per kind (then it starts afresh).
MAX_ENTRIES = 10_000


def instance_copy(obj):
    """A shallow copy of a kept model instance for one caller to use (and change) on its own: what
    ``copy.copy`` makes of it (its own attributes, state and cache of related objects; the
    related objects themselves shared), without going through pickling's ``__reduce__``."""
    cls = obj.__class__
    new = cls.__new__(cls)
    new.__dict__.update(obj.__dict__)
    state = obj._state
    new._state = copied = state.__class__.__new__(state.__class__)
    copied.__dict__.update(state.__dict__)
    copied.fields_cache = dict(state.fields_cache)
    return new


#: Cache file -> ((inode, mtime, size) when last read, the value read from it); the file of each key
#: of each cache (the backend's own hashing of the key, done once).
_files: dict[str, tuple[tuple[int, int, int], Any]] = {}
_paths: dict[tuple, str] = {}


def shared_get(key: str) -> Any:
    """``cache.get(key)`` for a value every request reads and that never expires (a generation).
    With the file-based cache (the embedded default) the file is read again only when it is another
    file than the one last read: the cache writes a value to a new file and renames it into place,
    so a changed value is a new inode. One ``stat`` instead of the backend's key checks, open, read
    and unpickling (four of them per appeal intake). Other backends: their own ``get``."""
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        return backend.get(key)
    where = (backend._dir, backend.key_prefix, backend.version, key)
    path = _paths.get(where)
    if path is None:
        path = _paths[where] = backend._key_to_file(key)
    try:
        found = os.stat(path)
    except FileNotFoundError:  # not set yet, or culled: what the backend answers for a missing file
        _files.pop(path, None)
        return None
    stamp = (found.st_ino, found.st_mtime_ns, found.st_size)
    seen = _files.get(path)
    if seen is not None and seen[0] == stamp:
        return seen[1]
    value = backend.get(key)
    _files[path] = (stamp, value)
    return value


def cached_for(key: str, seconds: int, compute: Callable[[], Any]) -> Any:
    """What ``compute()`` returns, kept in the shared cache (settings ``CACHES``) under ``key`` for
    ``seconds``: figures that may be that many seconds old and cost a query over many rows each
    time (the indicator providers' values, the public map's counts). 0 seconds: always computed."""
    if seconds <= 0:
        return compute()
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = compute()
    cache.set(key, value, seconds)
    return value


class Kept:
    def __init__(self, name: str, setting: str = "SHEQU_TOKEN_CACHE_SECONDS"):
        self.generation_key = f"shequ:kept-generation:{name}"
        self.setting = setting
        self.entries: dict[str, tuple[float, str | None, Any]] = {}

    @property
    def seconds(self) -> float:
        return getattr(settings, self.setting)

    def get(self, digest: str) -> Any | None:
        kept = self.entries.get(digest)
        if kept is None:
            return None
        if kept[1] != shared_get(self.generation_key) or time.monotonic() - kept[0] >= self.seconds:
            self.entries.pop(digest, None)
            return None
        return kept[2]

    def put(self, digest: str, value: Any, generation: str | None) -> None:
        """Keep ``value``, read after ``generation`` (``generation()``, taken before the read)."""
        if self.seconds <= 0:
            return
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[digest] = (time.monotonic(), generation, value)

    def generation(self) -> str | None:
        return shared_get(self.generation_key)

    def changed(self, **_kwargs) -> None:
        """Signal receiver: drop everything kept, here and (through the generation) everywhere.
        Moved again after commit, so that a process that re-read the old rows before the commit
        drops them as well."""
        def move():
            self.entries.clear()
            cache.set(self.generation_key, secrets.token_hex(8), None)

        move()
        transaction.on_commit(move)

    def read(self, key: str, load: Callable[[], Any]) -> Any:
        """What ``load()`` returns, kept under ``key``."""
        value = self.get(key)
        if value is None:
            generation = self.generation()
            value = load()
            self.put(key, value, generation)
        return value

    def watch(self, *models, uid: str) -> None:
        """Drop what is kept whenever one of ``models`` is saved or deleted (call from ``AppConfig.ready``)."""
        from django.db.models.signals import post_delete, post_save

        for model in models:
            post_save.connect(self.changed, sender=model, dispatch_uid=f"{uid}_save_{model.__name__}")
            post_delete.connect(self.changed, sender=model, dispatch_uid=f"{uid}_delete_{model.__name__}")
