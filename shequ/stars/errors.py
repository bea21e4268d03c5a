"""Error codes of the star-rating domain."""
from __future__ import annotations

from enum import StrEnum


class StarsErrorCode(StrEnum):
    INVALID_TRANSITION = "stars_invalid_transition"
    CYCLE_EXISTS = "stars_cycle_exists"
    NOT_IN_MASS_PERIOD = "stars_not_in_mass_period"
    ALREADY_RATED = "stars_already_rated"
    NO_HOUSEHOLD = "stars_no_household"
    BAD_SCORE = "stars_bad_score"
    BAD_STAR = "stars_bad_star"
    STAR_HELD = "stars_star_held"
    STAR_NOT_HELD = "stars_star_not_held"
    NOT_AWARDED = "stars_not_awarded"
    CHANGE_DECIDED = "stars_change_decided"
    PUBLICITY_OVER = "stars_publicity_over"
    PUBLICITY_RUNNING = "stars_publicity_running"
    OPEN_OBJECTIONS = "stars_open_objections"
    OBJECTION_ANSWERED = "stars_objection_answered"
    REASON_REQUIRED = "stars_reason_required"
    BAD_THRESHOLDS = "stars_bad_thresholds"
