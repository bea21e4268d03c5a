"""docs/permissions.md is the code's matrix, not a hand-kept copy."""
from pathlib import Path

from django.conf import settings

from shequ.security.matrix import markdown, matrix


def test_the_documented_matrix_is_the_code():
    path = Path(settings.BASE_DIR) / "docs" / "permissions.md"
    assert path.read_text(encoding="utf-8") == markdown(), "run: shequ permission_matrix --write"


def test_matrix_rows_come_from_capabilities():
    table = matrix()
    assert "resident" in table["appeals"]["own"] and "department" not in table["appeals"]["create"]
    assert table["privacy"]["handle"] == {"community_worker", "street_staff", "district_office"}
