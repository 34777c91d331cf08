# ruff: noqa: E501  (corpus cases are single long lines on purpose)
"""The malformed-input corpus: files and request bodies a hostile or careless user sends.

Each :class:`FileCase` is the bytes of one file for one surface (network,
scenario, demand, shipments); each :class:`BodyCase` one API request. Every
case must be answered with one line and exit 2 (CLI) or a 4xx (API), never a
traceback, a 500, a hang or success. ``tests/test_malformed.py`` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MINI = (Path(__file__).parent / "data" / "mini.yaml").read_text(encoding="utf-8")
BIG = "9" * 400


@dataclass(frozen=True)
class FileCase:
    """One malformed file: ``surface`` in {network, scenario, demand, shipments}."""

    id: str
    surface: str
    data: bytes
    suffix: str = ".yaml"


def _net(old: str, new: str) -> bytes:
    assert old in MINI, old
    return MINI.replace(old, new, 1).encode()


def _deep(n: int) -> str:
    return "name: deep\nchanges:\n  - " + "[" * n + "]" * n + "\n"


def _scenario(change: str, extra: str = "") -> bytes:
    return f"name: s\n{extra}changes:\n  - {change}\n".encode()


_SHIP_HEAD = "origin,destination,commodity,amount,unit,release_h\n"

NETWORK_CASES = [
    FileCase("empty", "network", b""),
    FileCase("comments-only", "network", b"# nothing here\n# at all\n"),
    FileCase("nodes-null", "network", b"nodes: null\n"),
    FileCase("nodes-empty-list", "network", b"meta: {name: x}\nnodes: []\n"),
    FileCase("length-400-digits", "network", _net("length_km: 100,", f"length_km: {BIG},")),
    FileCase(
        "bad-date-price-year", "network", _net("price_year: 2024}", "price_year: 2024-13-45}")
    ),
    FileCase(
        "bad-date-year", "network", _net("source: t, year: 2024}", "source: t, year: 2024-13-45}")
    ),
    FileCase("bad-date-length", "network", _net("length_km: 800,", "length_km: 2024-13-45,")),
    FileCase(
        "capacity-inf",
        "network",
        _net("length_km: 800,", "length_km: 800, capacity_teu_per_year: .inf,"),
    ),
    FileCase(
        "capacity-nan",
        "network",
        _net("length_km: 800,", "length_km: 800, capacity_teu_per_year: .nan,"),
    ),
    FileCase("float-overflow", "network", _net("length_km: 800,", "length_km: 1.0e999,")),
    FileCase("negative-length", "network", _net("length_km: 800,", "length_km: -5,")),
    FileCase("deep-5000", "network", ("nodes:\n  - " + "[" * 5000 + "]" * 5000 + "\n").encode()),
    FileCase(
        "deep-mapping-100",
        "network",
        ("nodes:\n  - " + "{a: " * 100 + "1" + "}" * 100 + "\n").encode(),
    ),
    FileCase("nul-byte", "network", _net("name: Junction,", "name: Junc\x00tion,")),
    FileCase(
        "lone-surrogate-bytes",
        "network",
        _net("name: Junction,", "name: Junc").replace(b"Junc", b"Junc\xed\xa0\x80", 1),
    ),
    FileCase("binary-junk", "network", bytes(range(256)) * 4),
    FileCase("latin1", "network", "nodes: [{id: Köln}]\n".encode("latin-1")),
    FileCase("utf16", "network", MINI.encode("utf-16")),
    FileCase("huge-scalar", "network", _net("name: Junction,", "name: " + "x" * 200_000 + ",")),
    FileCase(
        "alias-bomb",
        "network",
        b"a: &a [x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n".encode()
            for p, c in zip("abcdefghijklmnopqrstuvwxy", "bcdefghijklmnopqrstuvwxyz", strict=True)
        ),
    ),
    FileCase("unknown-table", "network", MINI.encode() + b"trains: []\n"),
    FileCase("unknown-attribute", "network", _net("length_km: 800,", "length_km: 800, lenght: 3,")),
    FileCase("tab-indent", "network", b"nodes:\n\t- {id: A}\n"),
    FileCase("unclosed-flow", "network", b"nodes:\n  - {id: A, name: [x\n"),
    FileCase("top-level-list", "network", b"- a\n- b\n"),
    FileCase("top-level-scalar", "network", b"just text\n"),
    FileCase("nodes-is-text", "network", b"nodes: hello\n"),
    FileCase("record-is-list", "network", b"nodes:\n  - [a, b]\n"),
    FileCase("id-is-mapping", "network", b"nodes:\n  - {id: {x: 1}, name: A}\n"),
    FileCase("key-is-mapping", "network", b"nodes:\n  - {? {x: 1} : 2, id: A}\n"),
    FileCase("year-text", "network", _net("source: t, year: 2024}", "source: t, year: soon}")),
    FileCase("bool-length", "network", _net("length_km: 800,", "length_km: true,")),
    FileCase("unknown-node", "network", _net("to: KZ_C,", "to: NOWHERE,")),
    FileCase("duplicate-id", "network", _net("id: KZ_C,", "id: KZ_B,")),
    FileCase("python-tag", "network", b"nodes: !!python/object/apply:os.system [echo hi]\n"),
    FileCase("only-bom", "network", "\ufeff".encode()),
    FileCase("json-nan", "network", b'{"nodes": [{"id": "A", "lat": NaN}]}', ".json"),
    FileCase("json-truncated", "network", b'{"nodes": [{"id": "A"', ".json"),
]

SCENARIO_CASES = [
    FileCase(
        "factor-400-digits",
        "scenario",
        _scenario(f"{{kind: scale_capacity, table: links, id: A-B, factor: {BIG}}}"),
    ),
    FileCase(
        "factor-inf",
        "scenario",
        _scenario("{kind: scale_capacity, table: links, id: A-B, factor: .inf}"),
    ),
    FileCase(
        "factor-text",
        "scenario",
        _scenario("{kind: scale_capacity, table: links, id: A-B, factor: lots}"),
    ),
    FileCase(
        "bad-date", "scenario", _scenario("{kind: close_link, id: A-B}", "year: 2024-13-45\n")
    ),
    FileCase(
        "bad-date-change", "scenario", _scenario("{kind: close_link, id: A-B, start: 2024-13-45}")
    ),
    FileCase("deep-5000", "scenario", _deep(5000).encode()),
    FileCase("deep-50", "scenario", _deep(50).encode()),
    FileCase("unknown-kind", "scenario", _scenario("{kind: teleport, id: A-B}")),
    FileCase("unknown-link", "scenario", _scenario("{kind: close_link, id: NO-SUCH-LINK}")),
    FileCase("no-name", "scenario", b"changes: []\n"),
    FileCase("changes-text", "scenario", b"name: s\nchanges: nope\n"),
    FileCase("empty", "scenario", b""),
    FileCase("nul-byte", "scenario", b"name: s\x00\nchanges: []\n"),
    FileCase("base-missing", "scenario", b"name: s\nbase: no-such-network.yaml\nchanges: []\n"),
    FileCase("base-directory", "scenario", b"name: s\nbase: .\nchanges: []\n"),
    FileCase("base-itself", "scenario", b"name: s\nbase: SELF\nchanges: []\n"),
    FileCase("base-empty-network", "scenario", b"name: s\nbase: empty.yaml\nchanges: []\n"),
    FileCase(
        "json-deep",
        "scenario",
        ('{"name": "s", "changes": ' + "[" * 3000 + "]" * 3000 + "}").encode(),
        ".json",
    ),
    FileCase("binary-junk", "scenario", bytes(range(256)) * 4),
    FileCase("unclosed", "scenario", b"name: s\nchanges:\n  - {kind: close_link, id: [A\n"),
]

DEMAND_CASES = [
    FileCase(
        "amount-400-digits",
        "demand",
        f"demand:\n  - {{id: d, origin: CN_A, destination: GE_T, commodity: container, amount_per_year: {BIG}, unit: teu}}\n".encode(),
    ),
    FileCase(
        "amount-inf",
        "demand",
        b"demand:\n  - {id: d, origin: CN_A, destination: GE_T, commodity: container, amount_per_year: .inf, unit: teu}\n",
    ),
    FileCase(
        "bad-date",
        "demand",
        b"demand:\n  - {id: d, origin: CN_A, destination: GE_T, commodity: container, amount_per_year: 5, unit: teu, year: 2024-13-45}\n",
    ),
    FileCase("deep-5000", "demand", ("demand:\n  - " + "[" * 5000 + "]" * 5000 + "\n").encode()),
    FileCase(
        "unknown-node",
        "demand",
        b"demand:\n  - {id: d, origin: NOWHERE, destination: GE_T, commodity: container, amount_per_year: 5, unit: teu}\n",
    ),
    FileCase(
        "missing-amount",
        "demand",
        b"demand:\n  - {id: d, origin: CN_A, destination: GE_T, commodity: container, unit: teu}\n",
    ),
    FileCase(
        "csv-400-digits",
        "demand",
        f"id,origin,destination,commodity,amount_per_year,unit\nd,CN_A,GE_T,container,{BIG},teu\n".encode(),
        ".csv",
    ),
    FileCase(
        "csv-short-row",
        "demand",
        b"id,origin,destination,commodity,amount_per_year,unit\nd,CN_A\n",
        ".csv",
    ),
    FileCase("csv-binary", "demand", bytes(range(256)) * 4, ".csv"),
    FileCase(
        "csv-huge-field",
        "demand",
        b"id,origin,destination,commodity,amount_per_year,unit\n"
        + b"x" * 200_000
        + b",CN_A,GE_T,container,5,teu\n",
        ".csv",
    ),
    FileCase(
        "csv-nul",
        "demand",
        b"id,origin,destination,commodity,amount_per_year,unit\nd\x00,CN_A,GE_T,container,5,teu\n",
        ".csv",
    ),
    FileCase("csv-header-only-wrong", "demand", b"foo,bar\n1,2\n", ".csv"),
    FileCase("empty", "demand", b""),
]

SHIPMENT_CASES = [
    FileCase("short-row", "shipments", (_SHIP_HEAD + "CN_A,GE_T\n").encode(), ".csv"),
    FileCase(
        "short-row-release",
        "shipments",
        b"origin,destination,commodity,amount,unit,release\nCN_A,GE_T,container,1,teu\n",
        ".csv",
    ),
    FileCase("binary-junk", "shipments", bytes(range(256)) * 4, ".csv"),
    FileCase(
        "huge-field",
        "shipments",
        (_SHIP_HEAD + "CN_A,GE_T,container,1,teu," + "1" * 200_000 + "\n").encode(),
        ".csv",
    ),
    FileCase(
        "amount-400-digits",
        "shipments",
        (_SHIP_HEAD + f"CN_A,GE_T,container,{BIG},teu,0\n").encode(),
        ".csv",
    ),
    FileCase(
        "amount-inf", "shipments", (_SHIP_HEAD + "CN_A,GE_T,container,inf,teu,0\n").encode(), ".csv"
    ),
    FileCase(
        "bad-date",
        "shipments",
        b"origin,destination,commodity,amount,unit,release\nCN_A,GE_T,container,1,teu,2024-13-45\n",
        ".csv",
    ),
    FileCase("missing-column", "shipments", b"origin,destination\nCN_A,GE_T\n", ".csv"),
    FileCase(
        "no-release-column",
        "shipments",
        b"origin,destination,commodity,amount,unit\nCN_A,GE_T,container,1,teu\n",
        ".csv",
    ),
    FileCase(
        "unknown-node",
        "shipments",
        (_SHIP_HEAD + "NOWHERE,GE_T,container,1,teu,0\n").encode(),
        ".csv",
    ),
    FileCase(
        "nul", "shipments", (_SHIP_HEAD + "CN_A,GE_T,container,1,teu,0\x00\n").encode(), ".csv"
    ),
    FileCase("empty", "shipments", b"", ".csv"),
    FileCase(
        "unclosed-quote",
        "shipments",
        (_SHIP_HEAD + 'CN_A,"GE_T,container,1,teu,0\n').encode(),
        ".csv",
    ),
]

FILE_CASES = NETWORK_CASES + SCENARIO_CASES + DEMAND_CASES + SHIPMENT_CASES


@dataclass(frozen=True)
class BodyCase:
    """One malformed API request: method, path (``{v}`` = the latest version), raw body."""

    id: str
    method: str
    path: str
    body: bytes
    content_type: str = "application/json"


_NODE = "/api/v1/networks/titr/nodes/KZ_AKT"
_LINK = "/api/v1/networks/titr/links/KZ_AKT-AZ_ALAT-FERRY"


def _patch(values: str) -> bytes:
    return ('{"expected_version": {v}, "values": ' + values + "}").encode()


BODY_CASES = [
    BodyCase("patch-inf", "PATCH", _NODE, _patch('{"capacity_t_per_year": 1e999}')),
    BodyCase("patch-nan", "PATCH", _NODE, _patch('{"capacity_t_per_year": NaN}')),
    BodyCase("patch-infinity", "PATCH", _NODE, _patch('{"capacity_t_per_year": Infinity}')),
    BodyCase("patch-400-digits", "PATCH", _NODE, _patch('{"capacity_t_per_year": ' + BIG + "}")),
    BodyCase(
        "patch-5000-digits", "PATCH", _NODE, _patch('{"capacity_t_per_year": ' + "9" * 5000 + "}")
    ),
    BodyCase("patch-negative", "PATCH", _NODE, _patch('{"capacity_t_per_year": -1}')),
    BodyCase("patch-text-number", "PATCH", _NODE, _patch('{"capacity_t_per_year": "lots"}')),
    BodyCase("patch-surrogate-notes", "PATCH", _NODE, _patch('{"notes": "\\ud800"}')),
    BodyCase("patch-nul-name", "PATCH", _NODE, _patch('{"name": "A\\u0000B"}')),
    BodyCase("patch-unknown-field", "PATCH", _NODE, _patch('{"lenght": 3}')),
    BodyCase("patch-deep", "PATCH", _NODE, _patch('{"notes": ' + "[" * 5000 + "]" * 5000 + "}")),
    BodyCase("patch-link-length-big", "PATCH", _LINK, _patch('{"length_km": ' + BIG + "}")),
    BodyCase(
        "patch-message-surrogate",
        "PATCH",
        _NODE,
        b'{"expected_version": {v}, "values": {"transit_dwell_h": 9}, "message": "\\udfff"}',
    ),
    BodyCase("patch-not-json", "PATCH", _NODE, b"expected_version=1"),
    BodyCase("patch-binary", "PATCH", _NODE, bytes(range(256))),
    BodyCase(
        "patch-stale-same-record",
        "PATCH",
        _NODE,
        b'{"expected_version": 1, "values": {"transit_dwell_h": 3}}',
    ),
    BodyCase(
        "route-nan-origin", "POST", "/api/v1/routes", b'{"origin": NaN, "destination": "Istanbul"}'
    ),
    BodyCase(
        "route-surrogate-origin",
        "POST",
        "/api/v1/routes",
        b'{"origin": "\\ud800", "destination": "Istanbul"}',
    ),
    BodyCase(
        "route-nul-origin",
        "POST",
        "/api/v1/routes",
        b'{"origin": "Alm\\u0000aty", "destination": "Istanbul"}',
    ),
    BodyCase(
        "route-1e999-k",
        "POST",
        "/api/v1/routes",
        b'{"origin": "Almaty", "destination": "Istanbul", "k": 1e999}',
    ),
    BodyCase(
        "route-huge-k",
        "POST",
        "/api/v1/routes",
        ('{"origin": "Almaty", "destination": "Istanbul", "k": ' + BIG + "}").encode(),
    ),
    BodyCase(
        "route-deep",
        "POST",
        "/api/v1/routes",
        b'{"origin": ' + b"[" * 100_00 + b"]" * 100_00 + b"}",
    ),
    BodyCase(
        "route-unknown-node",
        "POST",
        "/api/v1/routes",
        b'{"origin": "Atlantis", "destination": "Istanbul"}',
    ),
    BodyCase("route-truncated", "POST", "/api/v1/routes", b'{"origin": "Almaty"'),
    BodyCase(
        "route-huge-text",
        "POST",
        "/api/v1/routes",
        b'{"origin": "' + b"x" * 60_000 + b'", "destination": "Istanbul"}',
    ),
    BodyCase("org-surrogate", "POST", "/api/v1/organisations", b'{"name": "\\ud800"}'),
    BodyCase("org-nul", "POST", "/api/v1/organisations", b'{"name": "Org\\u0000"}'),
    BodyCase(
        "token-label-surrogate", "POST", "/api/v1/users/admin/tokens", b'{"label": "\\ud800"}'
    ),
    BodyCase(
        "scenario-text-surrogate", "PUT", "/api/v1/scenarios/s", b'{"text": "name: s\\n\\ud800"}'
    ),
    BodyCase(
        "scenario-bad-date",
        "PUT",
        "/api/v1/scenarios/s",
        b'{"text": "name: s\\nyear: 2024-13-45\\nchanges: []\\n"}',
    ),
    BodyCase(
        "scenario-deep",
        "PUT",
        "/api/v1/scenarios/s",
        ('{"text": "name: s\\nchanges:\\n  - ' + "[" * 5000 + "]" * 5000 + '\\n"}').encode(),
    ),
    BodyCase(
        "scenario-huge-int",
        "PUT",
        "/api/v1/scenarios/s",
        (
            '{"text": "name: s\\nchanges:\\n  - {kind: scale_capacity, table: links, id: KZ_AKT-AZ_ALAT-FERRY, factor: '
            + BIG
            + '}\\n"}'
        ).encode(),
    ),
    BodyCase(
        "scenario-unknown-link",
        "PUT",
        "/api/v1/scenarios/s",
        b'{"text": "name: s\\nchanges:\\n  - {kind: close_link, id: NO-SUCH-LINK}\\n"}',
    ),
    BodyCase(
        "scenario-unknown-base",
        "PUT",
        "/api/v1/scenarios/s",
        b'{"text": "name: s\\nbase: /etc/passwd\\nchanges: []\\n"}',
    ),
    BodyCase(
        "scenario-name-mismatch",
        "PUT",
        "/api/v1/scenarios/s",
        b'{"text": "name: t\\nchanges: []\\n"}',
    ),
    BodyCase(
        "scenario-name-dotdot",
        "PUT",
        "/api/v1/scenarios/%2E%2E",
        b'{"text": "name: ..\\nchanges: []\\n"}',
    ),
    BodyCase(
        "scenario-name-nul",
        "PUT",
        "/api/v1/scenarios/a%00b",
        b'{"text": "name: s\\nchanges: []\\n"}',
    ),
    BodyCase(
        "demand-bad-date",
        "PUT",
        "/api/v1/demand/d",
        b'{"text": "demand:\\n  - {id: d, origin: KZ_AKT, destination: AZ_ALAT, commodity: container, amount_per_year: 5, unit: teu, year: 2024-13-45}\\n"}',
    ),
    BodyCase(
        "demand-huge-int",
        "PUT",
        "/api/v1/demand/d",
        (
            '{"text": "demand:\\n  - {id: d, origin: KZ_AKT, destination: AZ_ALAT, commodity: container, amount_per_year: '
            + BIG
            + ', unit: teu}\\n"}'
        ).encode(),
    ),
    BodyCase(
        "demand-deep",
        "PUT",
        "/api/v1/demand/d",
        ('{"text": "demand:\\n  - ' + "[" * 5000 + "]" * 5000 + '\\n"}').encode(),
    ),
    BodyCase(
        "demand-unknown-node",
        "PUT",
        "/api/v1/demand/d",
        b'{"text": "demand:\\n  - {id: d, origin: NOWHERE, destination: AZ_ALAT, commodity: container, amount_per_year: 5, unit: teu}\\n"}',
    ),
    BodyCase("demand-name-dotdot", "PUT", "/api/v1/demand/%2E%2E", b'{"text": "demand: []\\n"}'),
    BodyCase("demand-name-nul", "PUT", "/api/v1/demand/x%00", b'{"text": "demand: []\\n"}'),
    BodyCase(
        "demand-csv-short",
        "PUT",
        "/api/v1/demand/d",
        b'{"fmt": "csv", "text": "id,origin,destination,commodity,amount_per_year,unit\\nd,KZ_AKT\\n"}',
    ),
    BodyCase("demand-nul-text", "PUT", "/api/v1/demand/d", b'{"text": "demand: [\\u0000]"}'),
    BodyCase("run-nan", "POST", "/api/v1/runs", b'{"kind": "capacity", "params": {"x": NaN}}'),
    BodyCase("chunked-over-64k", "POST", "/api/v1/routes", b"CHUNKED"),
]
