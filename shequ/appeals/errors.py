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
    COHANDLER_ONLY = "appeal_cohandler_only"
    COHANDLERS_PENDING = "appeal_cohandlers_pending"
    TIME_REQUEST_PENDING = "appeal_time_request_pending"
    EXTENSION_LIMIT = "appeal_extension_limit"
    NOT_PAUSED = "appeal_not_paused"
    ALREADY_PAUSED = "appeal_already_paused"
    APPROVER_LEVEL = "appeal_approver_level"
    MERGE_SELF = "appeal_merge_self"
    MERGE_NOT_OPEN = "appeal_merge_not_open"
    MERGE_TARGET_CLOSED = "appeal_merge_target_closed"
    MERGED = "appeal_merged"
    ATTACHMENT_COUNT = "appeal_attachment_count"
    ATTACHMENT_TOO_LARGE = "appeal_attachment_too_large"
    ATTACHMENT_TYPE = "appeal_attachment_type"
    EVALUATION_NOT_YOURS = "appeal_evaluation_not_yours"
