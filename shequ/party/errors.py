"""Error codes of the party-building domain."""
from __future__ import annotations

from enum import StrEnum


class PartyErrorCode(StrEnum):
    BAD_PLACE = "party_bad_place"
    FOREIGN_UNIT = "party_foreign_unit"
    BAD_PARENT = "party_bad_parent"
    INVALID_TRANSITION = "party_invalid_transition"
    NOT_PARTY_MEMBER = "party_not_party_member"
    WRONG_BUILDING = "party_wrong_building"
    DUPLICATE = "party_duplicate"
    BAD_HOURS = "party_bad_hours"
    BAD_ROSTER = "party_bad_roster"
