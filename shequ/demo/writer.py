"""The demo loader writes through the core bulk writer (COPY on PostgreSQL)."""
from shequ.core.bulk import BulkWriter, Table  # noqa: F401
