"""Shared pieces of the API models."""

from __future__ import annotations

import math
from typing import Annotated, SupportsFloat

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "ApiModel",
    "Country",
    "ErrorOut",
    "FieldErrorOut",
    "Name",
    "RequestModel",
    "finite",
]

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
"""A node id, name or alias (matched case-insensitively)."""

Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
"""An ISO 3166-1 alpha-2 country code."""


class ApiModel(BaseModel):
    """Base of response models: infinite numbers become ``null`` in JSON."""

    model_config = ConfigDict(ser_json_inf_nan="null")


class RequestModel(BaseModel):
    """Base of request models: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def finite(value: SupportsFloat | None) -> float | None:
    """A float, or ``None`` for infinite, NaN or missing values."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


class FieldErrorOut(ApiModel):
    """One problem with the request, located by its field path."""

    loc: list[str | int] = Field(description="Path of the field, e.g. ['body', 'origin'].")
    msg: str
    type: str


class ErrorOut(ApiModel):
    """An error: ``detail`` says what is wrong and what to do."""

    detail: str | list[FieldErrorOut]
    error: str = Field("", description="Error class, e.g. NoRouteError.")
