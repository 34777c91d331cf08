"""Who may do what: principals, roles, API tokens and record ownership.

Roles
-----
``viewer``
    Reads everything (every party plans on the composed corridor) and may
    start runs (route, capacity, assignment, compare, reliability, simulation jobs).
``editor``
    A viewer who also edits the network records its organisation owns, and
    saves scenarios and demand tables (those its organisation created).
``admin``
    Corridor administrator: creates networks, organisations, users and
    ownership rules, and may edit every record.

Ownership
---------
Each record of a network is owned through **ownership rules** stored with
the network: ``(table, pattern) -> organisation``. A pattern is either

* a glob on the record id (``AZ_ALAT``, ``KZ_*``, ``*-FERRY``), or
* ``@<node glob>``: the records attached to matching nodes -- for ``links``
  those starting or ending there, for ``transfers`` and ``borders`` those at
  the node, for ``services`` those calling there, for ``nodes`` the node
  itself.

So the Port of Baku gets ``("nodes", "AZ_ALAT")`` and ``("links", "@AZ_ALAT")``
and thereby edits Alat and every ferry link touching it. A record matched by
rules of two organisations (a ferry link between two ports) is co-owned: both
may edit it. A record no rule matches can only be edited by an admin. For an
added record the rules are matched against the new record; for a removed one
against the old.

Tokens
------
A token is ``ct_`` followed by 43 URL-safe characters (32 random bytes from
:mod:`secrets`). Only its SHA-256 is stored; :func:`hash_token` is what the
store looks up, and the stored and computed digests are compared with
:func:`hmac.compare_digest`. Because the token has 256 bits of entropy, an
unsalted fast hash is enough: there is nothing to brute-force.

Examples
--------
>>> from corridor_twin.network.model import Link
>>> ferry = Link(id="KZ_AKT-AZ_ALAT-FERRY", from_node="KZ_AKT", to_node="AZ_ALAT",
...              mode="ferry", length_km=460.0)
>>> matches("links", "@AZ_ALAT", ferry), matches("links", "KZ_*", ferry)
(True, True)
>>> len(new_token()), hash_token("ct_x") == hash_token("ct_x")
(46, True)
"""

from __future__ import annotations

import fnmatch
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from corridor_twin.errors import OptionError
from corridor_twin.network.model import TABLES

__all__ = ["ROLES", "TOKEN_PREFIX", "Principal", "hash_token", "matches", "new_token"]

ROLES = ("viewer", "editor", "admin")
TOKEN_PREFIX = "ct_"


@dataclass(frozen=True)
class Principal:
    """An authenticated user acting for its organisation.

    Attributes
    ----------
    user_id, user
        The user's id and name.
    organisation_id, organisation
        The organisation's id and name.
    role
        One of {viewer, editor, admin}.
    """

    user_id: int
    user: str
    organisation_id: int
    organisation: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Whether the principal is a corridor administrator."""
        return self.role == "admin"

    @property
    def can_edit(self) -> bool:
        """Whether the role allows editing at all (editor or admin)."""
        return self.role in ("editor", "admin")


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else :class:`OptionError`."""
    if role not in ROLES:
        raise OptionError(f"role must be one of {{{', '.join(ROLES)}}}, got {role!r}")
    return role


def new_token() -> str:
    """A fresh random API token (shown once to its user, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_pattern(table: str, pattern: str) -> None:
    """Raise :class:`OptionError` for an unknown table or an empty pattern."""
    if table not in TABLES:
        raise OptionError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    if not pattern or pattern == "@":
        raise OptionError("an ownership pattern must not be empty")


def _attached_nodes(table: str, record: Any) -> tuple[str, ...]:
    if table == "nodes":
        return (record.id,)
    if table == "links":
        return (record.from_node, record.to_node)
    if table in ("transfers", "borders"):
        return (record.node,)
    if table == "services":
        return tuple(record.stops)
    if table == "restrictions" and record.scope == "node":
        return (record.target,)
    return ()


def matches(table: str, pattern: str, record: Any) -> bool:
    """Whether an ownership rule ``(table, pattern)`` covers ``record`` of ``table``."""
    if pattern.startswith("@"):
        node_glob = pattern[1:]
        return any(fnmatch.fnmatchcase(n, node_glob) for n in _attached_nodes(table, record))
    return fnmatch.fnmatchcase(record.id, pattern)
