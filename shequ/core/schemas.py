"""API schemas shared by several modules."""
from __future__ import annotations

import datetime as dt

from ninja import Schema


class EventOut(Schema):
    """One line of a record's timeline (a model with ``at``, ``actor_name``, ``verb``, ``note``)."""

    at: dt.datetime
    actor: str
    verb: str
    note: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_name
