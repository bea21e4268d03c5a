"""Error codes of the indicators and reports."""
from __future__ import annotations

from enum import Enum


class IndicatorsError(str, Enum):
    REPORT_NOT_READY = "report_not_ready"
    UNKNOWN_FORMAT = "unknown_format"
