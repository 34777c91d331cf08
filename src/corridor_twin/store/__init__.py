"""Persistent store: versioned networks, scenarios, demand tables, runs, users, audit.

SQLAlchemy 2 on an embedded SQLite file by default (in the user's data
directory, zero set-up) or PostgreSQL by URL (``CORRIDOR_DATABASE_URL``,
extra ``postgres``); the schema is created and upgraded by Alembic
migrations shipped in the package when the store opens. Nothing is created
at import time: call :meth:`Store.open`.

* :mod:`~corridor_twin.store.settings` -- where the database is;
* :mod:`~corridor_twin.store.auth` -- roles, tokens and record ownership;
* :mod:`~corridor_twin.store.edits` -- record edits as data;
* :mod:`~corridor_twin.store.store` -- the :class:`Store`;
* :mod:`~corridor_twin.store.records` -- the value objects it returns;
* :mod:`~corridor_twin.store.schema` -- the tables.

Examples
--------
>>> from corridor_twin.store import Store
>>> with Store.open("sqlite://") as store:
...     admin, _ = store.bootstrap("Secretariat", "root")
...     _ = store.create_organisation("Port of Baku", by=admin)
...     [u.role for u in store.users()]
['admin']
"""

from corridor_twin.store.auth import ROLES, Principal, hash_token
from corridor_twin.store.bootstrap import StoreConfig, bootstrap_store, open_store
from corridor_twin.store.edits import (
    DeleteRecord,
    FieldChange,
    InsertRecord,
    RecordEdit,
    UpdateRecord,
    apply_edits,
    edit_from_dict,
)
from corridor_twin.store.records import (
    AuditEntry,
    Document,
    DocumentInfo,
    LegacyFix,
    NetworkInfo,
    OrganisationInfo,
    OwnershipRule,
    RepairInfo,
    RunInfo,
    TokenInfo,
    UserInfo,
    VersionInfo,
)
from corridor_twin.store.schema import RUN_KINDS, RUN_STATUSES
from corridor_twin.store.settings import StoreSettings
from corridor_twin.store.store import Store

__all__ = [
    "ROLES",
    "RUN_KINDS",
    "RUN_STATUSES",
    "AuditEntry",
    "DeleteRecord",
    "Document",
    "DocumentInfo",
    "FieldChange",
    "InsertRecord",
    "LegacyFix",
    "NetworkInfo",
    "OrganisationInfo",
    "OwnershipRule",
    "Principal",
    "RecordEdit",
    "RepairInfo",
    "RunInfo",
    "Store",
    "StoreConfig",
    "StoreSettings",
    "TokenInfo",
    "UpdateRecord",
    "UserInfo",
    "VersionInfo",
    "apply_edits",
    "bootstrap_store",
    "edit_from_dict",
    "hash_token",
    "open_store",
]
