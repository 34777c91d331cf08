"""Settings of the web service, made explicitly (never at import time).

Examples
--------
>>> s = ApiSettings(port=8080)
>>> s.port, s.max_body_bytes
(8080, 65536)
>>> ApiSettings.from_env({"CORRIDOR_PORT": "9000"}).port
9000
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ApiSettings"]

_ENV_PREFIX = "CORRIDOR_"


class ApiSettings(BaseModel):
    """Configuration of :func:`corridor_twin.api.create_app` and ``corridor serve``.

    Attributes
    ----------
    host, port
        Where ``corridor serve`` listens.
    network_path
        A network YAML file to serve instead of the bundled corridor.
    max_body_bytes
        Largest request body accepted; larger ones get 413.
    scenario_cache_size
        How many scenario networks (and their compiled forms) one app keeps.
    web
        Whether to serve the map page at ``/``.
    database_url, data_dir
        Where the store is (``CORRIDOR_DATABASE_URL``, ``CORRIDOR_DATA_DIR``;
        default: the SQLite file in the user's data directory, see
        :class:`corridor_twin.store.StoreSettings`). ``sqlite://`` (in memory)
        suits single-threaded examples only.
    network_name
        The stored network the compute endpoints use; on an empty store it is
        created from ``network_path`` or the bundled corridor.
    job_workers
        Threads executing runs (jobs) in the server process.
    token_cache_s
        How long an authenticated token is trusted without a database lookup
        (a revoked token keeps working at most this long).
    stale_check_s
        How often the server marks runs abandoned by dead workers as failed.
    latest_cache_s
        How long the latest version number and scenario texts are reused
        before asking the store again (edits through this process show at
        once; those through other server processes within this time).
    warm_start
        Parse and compile the served network, scenarios and demand when the
        app starts, then freeze the objects alive at that point out of
        Python's cyclic garbage collector (:func:`gc.freeze`): a full
        collection then skips them instead of pausing every request in
        flight for a few hundred milliseconds. ``corridor serve`` turns it on.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    network_path: Path | None = None
    max_body_bytes: int = Field(64 * 1024, gt=0)
    scenario_cache_size: int = Field(16, ge=1)
    web: bool = True
    database_url: str | None = None
    data_dir: Path | None = None
    network_name: str = Field("titr", min_length=1, max_length=100)
    job_workers: int = Field(2, ge=1, le=64)
    token_cache_s: float = Field(5.0, ge=0)
    stale_check_s: float = Field(60.0, gt=0)
    latest_cache_s: float = Field(1.0, ge=0)
    warm_start: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        """Settings from ``CORRIDOR_*`` environment variables (e.g. ``CORRIDOR_PORT``)."""
        env = os.environ if environ is None else environ
        values = {
            name: env[_ENV_PREFIX + name.upper()]
            for name in cls.model_fields
            if _ENV_PREFIX + name.upper() in env
        }
        return cls.model_validate(values)
