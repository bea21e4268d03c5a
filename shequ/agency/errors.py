"""Error codes of the agency domain (全程代办, 上门服务)."""
from __future__ import annotations

from enum import StrEnum


class AgencyErrorCode(StrEnum):
    INVALID_TRANSITION = "agency_invalid_transition"
    MATTER_INACTIVE = "agency_matter_inactive"
    RESIDENT_INACTIVE = "agency_resident_inactive"
    NO_COMMUNITY = "agency_no_community"
    BAD_AGENT = "agency_bad_agent"
    STEP_ORDER = "agency_step_order"
    STEPS_OPEN = "agency_steps_open"
    REASON_REQUIRED = "agency_reason_required"
    BAD_MATERIAL = "agency_bad_material"
    BAD_DELIVERY = "agency_bad_delivery"
    BAD_TIME = "agency_bad_time"
