"""Models of the stored resources: networks, versions, records, documents, accounts, runs.

Request models forbid unknown fields; response models mirror the store's
value objects without exposing them (the API's contract is these models).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue

from corridor_twin.api.schemas.common import ApiModel, RequestModel
from corridor_twin.api.schemas.flow import AssignmentRequest, CapacityRequest
from corridor_twin.api.schemas.reliability import ReliabilityRequest
from corridor_twin.api.schemas.routing import RouteRequest
from corridor_twin.api.schemas.scenarios import CompareRequest
from corridor_twin.api.schemas.simulation import SimulationRequest

__all__ = [
    "AttributeOut",
    "AuditOut",
    "DocumentIn",
    "DocumentOut",
    "EditOut",
    "FieldChangeOut",
    "GrantIn",
    "MeOut",
    "NetworkOut",
    "OrganisationIn",
    "OrganisationOut",
    "RecordOut",
    "RecordPatch",
    "RuleOut",
    "RunIn",
    "RunOut",
    "TokenIn",
    "TokenIssuedOut",
    "TokenOut",
    "UserIn",
    "UserOut",
    "UserPatch",
    "VersionOut",
]

Role = Literal["viewer", "editor", "admin"]
ShortName = Annotated[str, Field(min_length=1, max_length=200)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]


class MeOut(ApiModel):
    """The caller: user, organisation and role."""

    user: str
    organisation: str
    role: Role


class NetworkOut(ApiModel):
    """A stored network and its newest version."""

    name: str
    latest_version: int
    created_at: datetime


class VersionOut(ApiModel):
    """One stored version of a network (who made it, when, and its SHA-256)."""

    network: str
    version: int
    sha256: str
    created_at: datetime
    user: str | None
    organisation: str | None
    message: str | None


class AttributeOut(ApiModel):
    """An editable attribute of a record: its key in the record, type, unit and limits."""

    key: str = Field(description="Key in `values` (the network-file name).")
    dtype: str
    unit: str | None
    required: bool
    allowed: list[str] | None
    minimum: float | None
    maximum: float | None
    description: str
    figure: bool = Field(
        False, description="A sourced figure: give it as {value, source, year, estimate}."
    )


class RecordOut(ApiModel):
    """A node or link of one version, in network-file form, with who may edit it."""

    network: str
    version: int
    table: Literal["nodes", "links"]
    id: str
    values: dict[str, Any]
    owners: list[str] = Field(description="Organisations owning the record (admins edit all).")
    editable: bool = Field(description="Whether the caller may edit this record.")
    attributes: list[AttributeOut]


class RecordPatch(RequestModel):
    """New attribute values (file form; `null` resets to the default) for one record.

    The version the edit is based on comes as `expected_version` or in an
    `If-Match` header; a stale one gives 409.
    """

    values: dict[Annotated[str, Field(min_length=1, max_length=100)], JsonValue] = Field(
        min_length=1, max_length=50, examples=[{"capacity_t_per_year": 6_000_000}]
    )
    expected_version: Version | None = None
    message: Annotated[str, Field(max_length=2000)] | None = None


class FieldChangeOut(ApiModel):
    """One changed field."""

    table: str
    record_id: str
    field: str | None
    old_value: Any
    new_value: Any


class EditOut(ApiModel):
    """The version an accepted edit made and the fields it changed."""

    version: VersionOut
    changes: list[FieldChangeOut]


class AuditOut(ApiModel):
    """One audited change: the fields of :class:`~corridor_twin.store.AuditEntry`.

    A test holds the two in step.
    """

    id: int
    at: datetime
    user: str | None
    organisation: str | None
    action: str
    object_kind: str
    object_name: str
    version: int | None
    table: str | None
    record_id: str | None
    field: str | None
    old_value: Any
    new_value: Any


class DocumentOut(ApiModel):
    """A stored scenario or demand table version (``text`` only when one is fetched)."""

    kind: Literal["scenario", "demand"]
    name: str
    version: int
    fmt: str
    sha256: str
    description: str | None
    organisation: str
    user: str
    created_at: datetime
    text: str | None = None


class DocumentIn(RequestModel):
    """A scenario or demand table as text; `expected_version` null for a new one."""

    text: str = Field(min_length=1, max_length=60_000)
    fmt: Literal["yaml", "json", "csv"] | None = Field(
        None, description="Format (csv for demand only); default: guessed from the text."
    )
    expected_version: Version | None = None


class OrganisationIn(RequestModel):
    """A new organisation."""

    name: ShortName


class OrganisationOut(ApiModel):
    """An organisation."""

    id: int
    name: str
    created_at: datetime


class UserIn(RequestModel):
    """A new user of an organisation."""

    name: ShortName
    organisation: ShortName
    role: Role = "viewer"


class UserPatch(RequestModel):
    """A user's new role or active flag."""

    role: Role | None = None
    active: bool | None = None


class UserOut(ApiModel):
    """A user."""

    id: int
    name: str
    organisation: str
    role: Role
    active: bool
    created_at: datetime


class TokenIn(RequestModel):
    """A label for a new token."""

    label: Annotated[str, Field(max_length=200)] | None = None


class TokenIssuedOut(ApiModel):
    """A new token: shown this once (only its hash is stored)."""

    user: str
    label: str | None
    token: str


class TokenOut(ApiModel):
    """A token's metadata."""

    id: int
    user: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class GrantIn(RequestModel):
    """An ownership rule: `organisation` owns the records of `table` matching `pattern`."""

    table: Literal[
        "nodes",
        "links",
        "transfers",
        "borders",
        "services",
        "restrictions",
        "modes",
        "commodities",
        "emission_factors",
    ]
    pattern: str = Field(min_length=1, max_length=200, examples=["AZ_ALAT", "@AZ_ALAT", "KZ_*"])
    organisation: ShortName


class RuleOut(ApiModel):
    """An ownership rule."""

    id: int
    network: str
    table: str
    pattern: str
    organisation: str


class _RunBase(RequestModel):
    version: Version | None = Field(None, description="Network version (default: latest).")


class RouteRun(_RunBase):
    """A routing run."""

    kind: Literal["route"]
    inputs: RouteRequest


class CapacityRun(_RunBase):
    """A max-flow / min-cut run."""

    kind: Literal["capacity"]
    inputs: CapacityRequest


class AssignmentRun(_RunBase):
    """An assignment run."""

    kind: Literal["assignment"]
    inputs: AssignmentRequest


class CompareRun(_RunBase):
    """A scenario comparison run."""

    kind: Literal["compare"]
    inputs: CompareRequest


class ReliabilityRun(_RunBase):
    """A transit-time reliability (Monte Carlo) run."""

    kind: Literal["reliability"]
    inputs: ReliabilityRequest


class SimulationRun(_RunBase):
    """A discrete-event simulation run (replications)."""

    kind: Literal["simulation"]
    inputs: SimulationRequest


RunIn = Annotated[
    RouteRun | CapacityRun | AssignmentRun | CompareRun | ReliabilityRun | SimulationRun,
    Field(discriminator="kind"),
]
"""A run request: its kind and that kind's inputs (the body of the matching action)."""


class RunOut(ApiModel):
    """A run (job): status in {queued, running, succeeded, failed}, progress 0 to 1, result."""

    id: int
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    message: str | None
    inputs: dict[str, Any]
    network: str | None
    network_version: int | None
    result: Any = Field(None, description="The kind's response body, once succeeded.")
    error: str | None
    user: str
    organisation: str
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
