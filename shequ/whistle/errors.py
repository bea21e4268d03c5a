"""Error codes of the whistle-and-report domain."""
from __future__ import annotations

from enum import StrEnum


class WhistleErrorCode(StrEnum):
    INVALID_TRANSITION = "whistle_invalid_transition"
    NO_DEPARTMENT = "whistle_no_department"
    FOREIGN_DEPARTMENT = "whistle_foreign_department"
    BAD_PLACE = "whistle_bad_place"
    BAD_DEADLINE = "whistle_bad_deadline"
    BAD_SCORE = "whistle_bad_score"
    SCORE_LOCKED = "whistle_score_locked"
    NOT_ALL_SCORED = "whistle_not_all_scored"
    REASON_REQUIRED = "whistle_reason_required"
