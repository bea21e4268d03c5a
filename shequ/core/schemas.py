"""API schemas shared by several modules."""
from __future__ import annotations

import datetime as dt
import typing

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


# --- documents without the validation pass ------------------------------------------------------

#: schema -> [(field name, its resolver or None, the schema of its items or None, many)]
_plans: dict[type, list[tuple[str, object, type | None, bool]]] = {}


def _plan(schema: type[Schema]) -> list[tuple[str, object, type | None, bool]]:
    plan = []
    for name, field in schema.model_fields.items():
        if field.alias not in (None, name):
            raise TypeError(f"{schema.__name__}.{name}: aliases are not supported by document()")
        resolver = next((base.__dict__[f"resolve_{name}"] for base in schema.__mro__
                         if f"resolve_{name}" in base.__dict__), None)
        if resolver is not None:
            if not isinstance(resolver, staticmethod):
                raise TypeError(f"{schema.__name__}.resolve_{name}: only static resolvers are supported")
            resolver = resolver.__func__
        annotation, many = field.annotation, False
        if typing.get_origin(annotation) is list:
            annotation, many = typing.get_args(annotation)[0], True
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, Schema) else None
        plan.append((name, resolver, nested, many))
    return plan


def document(schema: type[Schema], obj) -> dict:
    """What Ninja answers for ``obj`` with response ``schema`` (the same keys, order and values:
    each field from its static ``resolve_<name>`` or the attribute, nested schemas likewise),
    without wrapping every attribute read and validating the result again. For hot answers built
    from objects the code itself made; the tests compare it with Ninja's own output
    (``Schema.from_orm(obj).model_dump()``). Render it with ``api.create_response``."""
    plan = _plans.get(schema)
    if plan is None:
        plan = _plans[schema] = _plan(schema)
    result = {}
    for name, resolver, nested, many in plan:
        value = resolver(obj) if resolver is not None else getattr(obj, name)
        if nested is not None and value is not None:
            if many:
                value = [v if isinstance(v, dict) else document(nested, v) for v in value]
            elif not isinstance(value, dict):
                value = document(nested, value)
        result[name] = value
    return result
