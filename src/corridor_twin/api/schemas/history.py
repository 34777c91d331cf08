"""A stored record's history (versions that changed it), reverts and the bibliography."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from corridor_twin.api.schemas.common import ApiModel, RequestModel
from corridor_twin.api.schemas.store import FieldChangeOut

__all__ = ["HistoryEntryOut", "RecordHistoryOut", "RevertIn", "SourceOut"]

Version = Annotated[int, Field(ge=1, le=2**31 - 1)]


class HistoryEntryOut(ApiModel):
    """One version that changed the record: who, when, why, and the fields it changed."""

    version: int
    at: datetime
    user: str | None
    organisation: str | None
    message: str | None
    changes: list[FieldChangeOut]


class RecordHistoryOut(ApiModel):
    """The versions that changed a node or link, oldest first (from the audit log)."""

    network: str
    table: str
    id: str
    latest_version: int
    entries: list[HistoryEntryOut]


class RevertIn(RequestModel):
    """Put a record back as it was in ``to_version``: the revert is a new version."""

    to_version: Version = Field(description="The version whose values the record gets back.")
    expected_version: Version | None = Field(
        None, description="The latest version you saw (or an If-Match header); 409 if stale."
    )
    message: Annotated[str, Field(max_length=2000)] | None = None


class SourceOut(ApiModel):
    """A bibliography entry that figures cite by ``key``."""

    key: str
    title: str
    publisher: str | None
    date: str | None
    url: str | None
