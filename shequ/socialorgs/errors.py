"""Error codes of the social-organization domain."""
from __future__ import annotations

from enum import StrEnum


class SocialOrgErrorCode(StrEnum):
    BAD_COMMUNITY = "socialorgs_bad_community"
    FOREIGN_UNIT = "socialorgs_foreign_unit"
    BAD_DATES = "socialorgs_bad_dates"
    BAD_BUDGET = "socialorgs_bad_budget"
    INVALID_TRANSITION = "socialorgs_invalid_transition"
