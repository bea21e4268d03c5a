"""One error type for the whole platform; subclasses carry their HTTP status."""
from __future__ import annotations

from typing import Any


class ShequError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "extra": self.extra}


class NotInScope(ShequError):
    """Missing and outside the user's jurisdiction look the same: 404."""

    status = 404
    code = "not_found"


class NotAllowed(ShequError):
    status = 403
    code = "not_allowed"


class InvalidInput(ShequError):
    status = 422
    code = "invalid"


class Conflict(ShequError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"
