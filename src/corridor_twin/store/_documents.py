"""Scenarios and demand tables stored as versioned text (functions on a session).

A document is kept as the text it was given in (YAML, JSON or, for demand,
CSV), so comments and layout survive; it is parsed before it is stored, so
only readable documents are accepted. Every save makes a new version; the
organisation that created version 1 owns the document.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from corridor_twin._input import check_name
from corridor_twin.errors import ConflictError, NotFoundError, OptionError, PermissionDeniedError
from corridor_twin.store._common import audit, name_of, now, require_editor, utc
from corridor_twin.store.auth import Principal
from corridor_twin.store.records import Document, DocumentInfo
from corridor_twin.store.schema import DocumentRow, OrganisationRow, UserRow

FORMATS = {"scenario": ("yaml", "json"), "demand": ("yaml", "json", "csv")}


def guess_fmt(text: str) -> str:
    """``json`` for text that starts with ``{``, else ``yaml``."""
    return "json" if text.lstrip().startswith("{") else "yaml"


def _info(s: Session, row: DocumentRow) -> DocumentInfo:
    return DocumentInfo(
        kind=row.kind,
        name=row.name,
        version=row.version,
        fmt=row.fmt,
        sha256=row.sha256,
        description=row.description,
        organisation=name_of(s, OrganisationRow, row.owner_organisation_id),
        user=name_of(s, UserRow, row.user_id),
        created_at=utc(row.created_at),
    )


def _rows(s: Session, kind: str, name: str) -> list[DocumentRow]:
    return list(
        s.scalars(
            select(DocumentRow)
            .where(DocumentRow.kind == kind, DocumentRow.name == name)
            .order_by(DocumentRow.version)
        )
    )


def save(
    s: Session,
    kind: str,
    name: str,
    text: str,
    fmt: str,
    description: str | None,
    by: Principal,
    expected_version: int | None,
) -> DocumentInfo:
    """Store ``text`` as the next version of document ``(kind, name)``."""
    require_editor(by, f"saving {kind} {name!r}")
    check_name(name, what=f"{'demand table' if kind == 'demand' else kind} name")
    if fmt not in FORMATS[kind]:
        raise OptionError(
            f"{kind} format must be one of {{{', '.join(FORMATS[kind])}}}, got {fmt!r}"
        )
    # Serialise savers of one document: on PostgreSQL lock the newest row (or,
    # for a new document, rely on the unique (kind, name, version) index).
    latest = s.scalars(
        select(DocumentRow)
        .where(DocumentRow.kind == kind, DocumentRow.name == name)
        .order_by(DocumentRow.version.desc())
        .limit(1)
        .with_for_update()
    ).first()
    current = 0 if latest is None else latest.version
    if (expected_version or 0) != current:
        what = "does not exist yet" if latest is None else f"is at version {current}"
        raise ConflictError(
            f"{kind} {name!r} {what}, not {expected_version or 'new'}; reload and save again",
            expected=expected_version,
            actual=current,
        )
    owner = by.organisation_id if latest is None else latest.owner_organisation_id
    if owner != by.organisation_id and not by.is_admin:
        raise PermissionDeniedError(
            f"{kind} {name!r} belongs to another organisation; "
            f"{by.organisation!r} may not change it"
        )
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = DocumentRow(
        kind=kind,
        name=name,
        version=current + 1,
        fmt=fmt,
        text=text,
        sha256=sha,
        description=description,
        owner_organisation_id=owner,
        user_id=by.user_id,
        created_at=now(),
    )
    s.add(row)
    audit(
        s,
        by,
        "save",
        kind,
        name,
        version=current + 1,
        field="sha256",
        old=None if latest is None else latest.sha256,
        new=sha,
    )
    s.flush()
    return _info(s, row)


def get(s: Session, kind: str, name: str, version: int | None) -> Document:
    """One version of a document (the latest when ``version`` is ``None``)."""
    rows = _rows(s, kind, name)
    if not rows:
        raise NotFoundError(f"no {kind} named {name!r}")
    if version is None:
        row = rows[-1]
    else:
        found = [r for r in rows if r.version == version]
        if not found:
            latest = rows[-1].version
            raise NotFoundError(f"{kind} {name!r} has no version {version} (latest: {latest})")
        row = found[0]
    return Document(_info(s, row), row.text)


def versions(s: Session, kind: str, name: str) -> list[DocumentInfo]:
    """Every version of a document, oldest first."""
    rows = _rows(s, kind, name)
    if not rows:
        raise NotFoundError(f"no {kind} named {name!r}")
    return [_info(s, r) for r in rows]


def latest_all(s: Session, kind: str) -> list[DocumentInfo]:
    """The latest version of every document of ``kind``, by name."""
    newest = (
        select(DocumentRow.name, func.max(DocumentRow.version).label("v"))
        .where(DocumentRow.kind == kind)
        .group_by(DocumentRow.name)
        .subquery()
    )
    rows = s.scalars(
        select(DocumentRow)
        .join(newest, (DocumentRow.name == newest.c.name) & (DocumentRow.version == newest.c.v))
        .where(DocumentRow.kind == kind)
        .order_by(DocumentRow.name)
        .options(defer(DocumentRow.text))  # the infos only: texts can be long
    )
    return [_info(s, r) for r in rows]
