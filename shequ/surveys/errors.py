"""Error codes of the surveys domain."""
from __future__ import annotations

from enum import StrEnum


class SurveyErrorCode(StrEnum):
    BAD_SCOPE = "survey_bad_scope"
    NOT_DRAFT = "survey_not_draft"
    NOT_OPEN = "survey_not_open"
    NO_QUESTIONS = "survey_no_questions"
    BAD_OPTIONS = "survey_bad_options"
    BAD_ANSWER = "survey_bad_answer"
    ALREADY_ANSWERED = "survey_already_answered"
