"""Error codes of the workforce, funds and facilities domain."""
from __future__ import annotations

from enum import StrEnum


class WorkforceErrorCode(StrEnum):
    NOT_A_COMMUNITY = "workforce_not_a_community"
    DUPLICATE_WORKER = "workforce_duplicate_worker"
    TOO_EARLY = "workforce_assessment_too_early"
    ASSESSED = "workforce_already_assessed"
    WRONG_DEPARTMENT = "workforce_wrong_department"
    REASON_REQUIRED = "workforce_reason_required"
    OVERSPENT = "workforce_overspent"
    BAD_FILE = "workforce_bad_file"
    IMPORT_ROWS = "workforce_import_rows"
