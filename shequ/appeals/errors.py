"""Error codes of the appeals domain."""
from __future__ import annotations

from enum import StrEnum


class AppealErrorCode(StrEnum):
    INVALID_TRANSITION = "appeal_invalid_transition"
    CATEGORY_INACTIVE = "appeal_category_inactive"
    NO_DISTRICT = "appeal_no_district"
    INVALID_LOCATION = "appeal_invalid_location"
    INVALID_PHONE = "appeal_invalid_phone"
    RETURN_LIMIT = "appeal_return_limit"
    REOPEN_LIMIT = "appeal_reopen_limit"
    REASON_REQUIRED = "appeal_reason_required"
    ATTACHMENT_COUNT = "appeal_attachment_count"
    ATTACHMENT_TOO_LARGE = "appeal_attachment_too_large"
    ATTACHMENT_TYPE = "appeal_attachment_type"
    EVALUATION_NOT_YOURS = "appeal_evaluation_not_yours"
