"""Error codes of community work admission (社区工作准入) and burden reduction (减负)."""
from __future__ import annotations

from enum import StrEnum


class AdmissionErrorCode(StrEnum):
    INVALID_TRANSITION = "admission_invalid_transition"
    NOT_DRAFT = "admission_list_not_draft"
    BAD_EFFECTIVE_DATE = "admission_bad_effective_date"
    NO_LIST = "admission_no_list_in_force"
    ITEM_NOT_IN_LIST = "admission_item_not_in_list"
    CLASS_MISMATCH = "admission_duty_class_mismatch"
    FUNDING_REQUIRED = "admission_funding_required"
    FIELD_REQUIRED = "admission_field_required"
    REASON_REQUIRED = "admission_reason_required"
    BAD_TARGET = "admission_bad_target"
    BAD_DEADLINE = "admission_bad_deadline"
    UNKNOWN_DATA_FIELD = "admission_unknown_data_field"
    REUSE_NOT_APPROVED = "admission_reuse_not_approved"
    STAMP_REFUSED = "admission_stamp_refused"
    DUPLICATE = "admission_duplicate"
