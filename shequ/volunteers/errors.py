"""Error codes of the volunteers domain (志愿服务)."""
from __future__ import annotations

from enum import StrEnum


class VolunteerErrorCode(StrEnum):
    ALREADY_REGISTERED = "volunteer_already_registered"
    NOT_ACTIVE = "volunteer_not_active"
    BAD_PLACE = "volunteer_bad_place"
    FULL = "activity_full"
    ALREADY_SIGNED = "activity_already_signed"
    NOT_OPEN = "activity_not_open"
    OTHER_COMMUNITY = "activity_other_community"
    INVALID_TRANSITION = "signup_invalid_transition"
    BAD_HOURS = "signup_bad_hours"
    BAD_TIME = "activity_bad_time"
    NOT_CALLED = "callout_not_called"
    CALLOUT_CLOSED = "callout_closed"
    NO_VOLUNTEERS = "callout_no_volunteers"
