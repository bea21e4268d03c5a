"""Error codes of the consultation domain (社区协商)."""
from __future__ import annotations

from enum import StrEnum


class ConsultationErrorCode(StrEnum):
    INVALID_TRANSITION = "consultation_invalid_transition"
    NOT_COVENANT = "consultation_not_covenant"
    FEW_OPTIONS = "consultation_few_options"
    NO_MEETING = "consultation_no_meeting"
    MISSING_PARTICIPANTS = "consultation_missing_participants"
    NO_DRAFT = "consultation_no_draft"
    NOT_VOTING = "consultation_not_voting"
    NOT_ELIGIBLE = "consultation_not_eligible"
    ALREADY_VOTED = "consultation_already_voted"
    QUORUM_NOT_MET = "consultation_quorum_not_met"
    TIE = "consultation_tie"
    BAD_TIME = "consultation_bad_time"
    BAD_PARTICIPANT = "consultation_bad_participant"
    ACTION_DONE = "consultation_action_done"
