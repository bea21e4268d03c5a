"""Errors of the Open311 API, answered in the spec's format (see ``formats.error_response``)."""
from __future__ import annotations

from shequ.core.errors import NotAllowed, NotInScope, ShequError


class Open311Error(Exception):
    """One or more problems with a request, all answered with one HTTP status.

    GeoReport v2 uses 400 for bad or missing input, 403 for a missing or invalid api_key and
    404 for an unknown jurisdiction_id, service_code, service_request_id or token.
    """

    def __init__(self, status: int, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


def from_shequ_error(exc: ShequError) -> Open311Error:
    """The Open311 error for a platform error raised by a service (422/409 become 400)."""
    status = 404 if isinstance(exc, NotInScope) else 403 if isinstance(exc, NotAllowed) else 429 if exc.status == 429 else 400
    descriptions = [exc.message]
    for field, messages in (exc.extra.get("fields") or {}).items():
        descriptions.extend(f"{field}: {message}" for message in messages)
    return Open311Error(status, *descriptions)
