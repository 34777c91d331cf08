"""Validation of a network as a set of named rules.

Each rule is a function ``check_*(net) -> list[Finding]``. :func:`validate`
runs them all and returns a :class:`ValidationReport`, or raises
:class:`~corridor_twin.errors.ValidationError` when asked to (``raise_on``).
With ``strict=True`` warnings count as errors and every figure must carry a
source and a year.

Examples
--------
>>> from corridor_twin.network.model import Link, Network, Node
>>> net = Network(
...     nodes=(Node(id="A", name="A", kind="city", country="KZ", lat=43.0, lon=77.0),),
...     links=(Link(id="A-X", from_node="A", to_node="X", mode="road", length_km=5.0,
...                 speed_kmh=60.0),),
... )
>>> report = validate(net)
>>> [f.rule for f in report.errors]
['check_unknown_nodes']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor_twin.errors import ValidationError
from corridor_twin.network.emissions import resolve_factor
from corridor_twin.network.records import TABLES
from corridor_twin.network.schema import attributes

if TYPE_CHECKING:
    import pandas as pd

    from corridor_twin.network.model import Network

__all__ = ["RULES", "Finding", "ValidationReport", "validate"]

# ISO 3166-1 alpha-2 codes (officially assigned).
_ISO = set(
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR "
    "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ "
    "EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW "
    "GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY "
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV "
    "MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY "
    "QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG "
    "TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM "
    "ZW".split()
)
_DEPARTURE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Finding:
    """One validation finding.

    Attributes
    ----------
    rule
        Name of the rule (``check_*``).
    severity
        One of {error, warning}.
    table, record_id, field
        Where (``field`` may be ``None``).
    message
        What is wrong and what to do.
    line
        Line in the source file, when the network was read from one.
    """

    rule: str
    severity: str
    table: str
    record_id: str
    field: str | None
    message: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        loc = f"{self.table} '{self.record_id}'" + (f" field '{self.field}'" if self.field else "")
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.severity}: {loc}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class ValidationReport:
    """All findings of a validation run."""

    findings: tuple[Finding, ...]
    strict: bool = False

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings that make the network unusable (warnings too when strict)."""
        return tuple(
            f for f in self.findings if f.severity == "error" or (self.strict and f.severity)
        )

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings that do not stop use of the network."""
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        """Whether there are no errors."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """Findings as a table."""
        import pandas as pd

        cols = ["rule", "severity", "table", "record_id", "field", "message", "line", "path"]
        return pd.DataFrame([[getattr(f, c) for c in cols] for f in self.findings], columns=cols)

    def __str__(self) -> str:
        if not self.findings:
            return "no findings"
        return "\n".join(str(f) for f in self.findings)


def _f(
    rule: str, table: str, rid: str, field: str | None, msg: str, severity: str = "error"
) -> Finding:
    return Finding(rule, severity, table, rid, field, msg)


def check_not_empty(net: Network) -> list[Finding]:
    """A network needs at least one node (an empty file is not a network)."""
    if net.nodes:
        return []
    return [_f("check_not_empty", "nodes", "", None, "the network has no nodes")]


def check_duplicate_ids(net: Network) -> list[Finding]:
    """Ids must be unique within each table."""
    out = []
    for table in TABLES:
        counts = Counter(r.id for r in getattr(net, table))
        out += [
            _f("check_duplicate_ids", table, rid, "id", f"id used {n} times; ids must be unique")
            for rid, n in counts.items()
            if n > 1
        ]
    keys = Counter(s.key for s in net.sources)
    out += [
        _f("check_duplicate_ids", "sources", k, None, "source key used twice")
        for k, n in keys.items()
        if n > 1
    ]
    return out


def check_field_values(net: Network) -> list[Finding]:
    """Values must be within their declared allowed set and numeric range."""
    out = []
    for table, cls in TABLES.items():
        schema = attributes(cls, table)
        for rec in getattr(net, table):
            for a in schema:
                v = getattr(rec, a.name)
                if v is None:
                    continue
                values = v if isinstance(v, tuple) else (v,)
                for x in values:
                    if (
                        a.allowed
                        and x not in a.allowed
                        and not (table == "emission_factors" and a.name == "country")
                    ):
                        out.append(
                            _f(
                                "check_field_values",
                                table,
                                rec.id,
                                a.key,
                                f"{x!r} is not one of {{{', '.join(a.allowed)}}}",
                            )
                        )
                    if isinstance(x, (int, float)) and not isinstance(x, bool):
                        if not math.isfinite(x):  # NaN or infinite: never stored
                            out.append(
                                _f(
                                    "check_field_values",
                                    table,
                                    rec.id,
                                    a.key,
                                    f"value is {'NaN' if x != x else 'infinite'}; a "
                                    "capacity that is unlimited is left out (null)",
                                )
                            )
                        elif a.minimum is not None and x < a.minimum:
                            out.append(
                                _f(
                                    "check_field_values",
                                    table,
                                    rec.id,
                                    a.key,
                                    f"{x} is below the minimum {a.minimum:g}"
                                    + (f" {a.unit}" if a.unit else ""),
                                )
                            )
                        elif a.maximum is not None and x > a.maximum:
                            out.append(
                                _f(
                                    "check_field_values",
                                    table,
                                    rec.id,
                                    a.key,
                                    f"{x} is above the maximum {a.maximum:g}"
                                    + (f" {a.unit}" if a.unit else ""),
                                )
                            )
    return out


def check_nonpositive_capacity(net: Network) -> list[Finding]:
    """A capacity, if given, must be positive (use status closed for zero)."""
    out = []
    for table in ("nodes", "links", "transfers", "borders"):
        for rec in getattr(net, table):
            for name in ("capacity_t_per_year", "capacity_teu_per_year"):
                v = getattr(rec, name)
                if v is not None and v <= 0:
                    out.append(
                        _f(
                            "check_nonpositive_capacity",
                            table,
                            rec.id,
                            name,
                            f"capacity must be positive, got {v}; to shut it, set status: closed",
                        )
                    )
    return out


def check_country_codes(net: Network) -> list[Finding]:
    """Country codes must be ISO 3166-1 alpha-2."""
    out = []

    def bad(code: str | None) -> bool:
        return code is not None and code not in _ISO

    for n in net.nodes:
        if bad(n.country):
            out.append(
                _f(
                    "check_country_codes",
                    "nodes",
                    n.id,
                    "country",
                    f"{n.country!r} is not an ISO 3166-1 alpha-2 code (e.g. KZ, AZ, GE)",
                )
            )
    for r in net.restrictions:
        for name in ("origin_country", "destination_country"):
            if bad(getattr(r, name)):
                out.append(
                    _f(
                        "check_country_codes",
                        "restrictions",
                        r.id,
                        name,
                        f"{getattr(r, name)!r} is not an ISO 3166-1 alpha-2 code",
                    )
                )
        if r.scope == "country" and bad(r.target):
            out.append(
                _f(
                    "check_country_codes",
                    "restrictions",
                    r.id,
                    "target",
                    f"{r.target!r} is not an ISO 3166-1 alpha-2 code",
                )
            )
    for e in net.emission_factors:
        if e.country != "any" and bad(e.country):
            out.append(
                _f(
                    "check_country_codes",
                    "emission_factors",
                    e.id,
                    "country",
                    f"{e.country!r} is not an ISO code or 'any'",
                )
            )
    return out


def check_unknown_nodes(net: Network) -> list[Finding]:
    """Every node a record refers to must exist."""
    out = []

    def ref(table: str, rid: str, field: str, node: str) -> None:
        if not net.has("nodes", node):
            hint = net.suggest_nodes(node, 3)
            tip = f"; did you mean {', '.join(hint)}?" if hint else ""
            out.append(_f("check_unknown_nodes", table, rid, field, f"unknown node {node!r}{tip}"))

    for link in net.links:
        ref("links", link.id, "from", link.from_node)
        ref("links", link.id, "to", link.to_node)
    for t in net.transfers:
        ref("transfers", t.id, "node", t.node)
    for b in net.borders:
        ref("borders", b.id, "node", b.node)
    for s in net.services:
        for stop in s.stops:
            ref("services", s.id, "stops", stop)
    for r in net.restrictions:
        if r.scope == "node":
            ref("restrictions", r.id, "target", r.target)
    return out


def check_links(net: Network) -> list[Finding]:
    """Links: no self-loops; rail needs a gauge, other modes none; a speed must be known."""
    out = []
    mode_speed = {m.id: m.speed_kmh for m in net.modes}
    for link in net.links:
        if link.from_node == link.to_node:
            out.append(
                _f("check_links", "links", link.id, "to", "link starts and ends at the same node")
            )
        if link.mode == "rail" and link.gauge_mm is None:
            out.append(
                _f(
                    "check_links",
                    "links",
                    link.id,
                    "gauge_mm",
                    "rail link needs gauge_mm (e.g. 1520 or 1435)",
                )
            )
        if link.mode != "rail" and link.gauge_mm is not None:
            out.append(
                _f(
                    "check_links",
                    "links",
                    link.id,
                    "gauge_mm",
                    f"gauge_mm is for rail links only, this one is {link.mode}",
                )
            )
        if link.duration_h is None and link.speed_kmh is None and not mode_speed.get(link.mode):
            out.append(
                _f(
                    "check_links",
                    "links",
                    link.id,
                    "speed_kmh",
                    f"give speed_kmh or duration_h, or a default speed for mode "
                    f"{link.mode!r} in 'modes'",
                )
            )
        if link.speed_kmh == 0:
            out.append(_f("check_links", "links", link.id, "speed_kmh", "speed must be > 0"))
    return out


def check_commodities(net: Network) -> list[Finding]:
    """Commodity references must exist; containers need t_per_teu."""
    out = []
    known = {c.id for c in net.commodities}
    for c in net.commodities:
        if c.unit == "teu" and not c.t_per_teu:
            out.append(
                _f(
                    "check_commodities",
                    "commodities",
                    c.id,
                    "t_per_teu",
                    "a commodity counted in TEU needs t_per_teu",
                )
            )
    for table in ("links", "transfers", "services"):
        for rec in getattr(net, table):
            for cid in rec.commodities:
                if cid not in known:
                    out.append(
                        _f(
                            "check_commodities",
                            table,
                            rec.id,
                            "commodities",
                            f"unknown commodity {cid!r}; known: {', '.join(sorted(known))}",
                        )
                    )
    for r in net.restrictions:
        if r.commodity is not None and r.commodity not in known:
            out.append(
                _f(
                    "check_commodities",
                    "restrictions",
                    r.id,
                    "commodity",
                    f"unknown commodity {r.commodity!r}",
                )
            )
    return out


def check_services(net: Network) -> list[Finding]:
    """Services: consecutive stops joined by a link of the service's mode; a frequency."""
    out = []
    pairs: dict[tuple[str, str, str], int] = Counter()
    for link in net.links:
        pairs[(link.from_node, link.to_node, link.mode)] += 1
        if link.bidirectional:
            pairs[(link.to_node, link.from_node, link.mode)] += 1
    for s in net.services:
        if len(s.stops) < 2:
            out.append(_f("check_services", "services", s.id, "stops", "needs at least two stops"))
        for a, b in zip(s.stops, s.stops[1:], strict=False):
            n = pairs.get((a, b, s.mode), 0)
            if n == 0:
                out.append(
                    _f(
                        "check_services",
                        "services",
                        s.id,
                        "stops",
                        f"no {s.mode} link from {a} to {b}",
                    )
                )
            elif n > 1:
                out.append(
                    _f(
                        "check_services",
                        "services",
                        s.id,
                        "stops",
                        f"{n} {s.mode} links from {a} to {b}; the stop sequence is ambiguous",
                    )
                )
        if not s.departures and not s.sailings_per_week:
            out.append(
                _f(
                    "check_services",
                    "services",
                    s.id,
                    "sailings_per_week",
                    "give sailings_per_week or a departures timetable",
                )
            )
        for d in s.departures:
            if not _DEPARTURE.match(d):
                out.append(
                    _f(
                        "check_services",
                        "services",
                        s.id,
                        "departures",
                        f"{d!r} is not like 'Mon 08:00'",
                    )
                )
        if s.departures and s.bidirectional:
            out.append(
                _f(
                    "check_services",
                    "services",
                    s.id,
                    "bidirectional",
                    "a timetabled service runs one way; declare the return as its own service",
                )
            )
        if s.duration_h is not None and len(s.stops) > 2:
            out.append(
                _f(
                    "check_services",
                    "services",
                    s.id,
                    "duration_h",
                    "duration_h is for two-stop services; give link durations instead",
                )
            )
    served = {(a, b) for s in net.services for a, b in zip(s.stops, s.stops[1:], strict=False)}
    served |= {
        (b, a)
        for s in net.services
        if s.bidirectional
        for a, b in zip(s.stops, s.stops[1:], strict=False)
    }
    for link in net.links:
        if link.mode in ("ferry", "sea") and link.status == "open":
            ends = {(link.from_node, link.to_node)}
            if link.bidirectional:
                ends.add((link.to_node, link.from_node))
            if not ends & served:
                out.append(
                    _f(
                        "check_services",
                        "links",
                        link.id,
                        None,
                        f"{link.mode} link has no service, so nothing sails on it",
                        "warning",
                    )
                )
    return out


def check_transfers(net: Network) -> list[Finding]:
    """Transfers: gauges only on rail; a rail-rail transfer must change gauge."""
    out = []
    for t in net.transfers:
        for end in ("from", "to"):
            mode, gauge = getattr(t, f"{end}_mode"), getattr(t, f"{end}_gauge_mm")
            if mode != "rail" and gauge is not None:
                out.append(
                    _f(
                        "check_transfers",
                        "transfers",
                        t.id,
                        f"{end}_gauge_mm",
                        f"a gauge is only for rail, {end}_mode is {mode}",
                    )
                )
        if t.from_mode == t.to_mode and not t.is_gauge_change:
            out.append(
                _f(
                    "check_transfers",
                    "transfers",
                    t.id,
                    "to_mode",
                    "same mode on both sides; a rail gauge change needs both gauges",
                )
            )
    return out


def check_emission_factors(net: Network) -> list[Finding]:
    """Every open link must resolve an emission factor."""
    out = []
    ids = {e.id for e in net.emission_factors}
    country = {n.id: n.country for n in net.nodes}
    for link in net.links:
        if link.emission_factor is not None and link.emission_factor not in ids:
            out.append(
                _f(
                    "check_emission_factors",
                    "links",
                    link.id,
                    "emission_factor",
                    f"unknown emission factor {link.emission_factor!r}",
                )
            )
            continue
        if (
            net.emission_factors
            and resolve_factor(net, link, country.get(link.from_node, "any")) is None
        ):
            out.append(
                _f(
                    "check_emission_factors",
                    "links",
                    link.id,
                    "energy",
                    f"no emission factor for mode {link.mode!r} energy {link.energy!r}",
                    "warning",
                )
            )
    return out


def check_restrictions(net: Network) -> list[Finding]:
    """Restriction targets must exist."""
    out = []
    for r in net.restrictions:
        if r.scope == "link" and not net.has("links", r.target):
            out.append(
                _f(
                    "check_restrictions",
                    "restrictions",
                    r.id,
                    "target",
                    f"unknown link {r.target!r}",
                )
            )
    return out


def check_provenance(net: Network) -> list[Finding]:
    """Cited sources must exist; with strict, every figure needs a source and year."""
    out = []
    keys = {s.key for s in net.sources}
    for table, cls in TABLES.items():
        figures = [a for a in attributes(cls, table) if a.figure]
        for rec in getattr(net, table):
            provs = [("", rec.provenance), *rec.figure_provenance]
            for name, prov in provs:
                if prov.source is not None and prov.source not in keys:
                    out.append(
                        _f(
                            "check_provenance",
                            table,
                            rec.id,
                            name or "source",
                            f"source {prov.source!r} is not in 'sources'",
                        )
                    )
            for a in figures:
                if getattr(rec, a.name) is None or (
                    not a.required
                    and getattr(rec, a.name) == a.default
                    and a.name not in dict(rec.figure_provenance)
                ):
                    continue
                prov = rec.provenance_of(a.name)
                if prov.source is None or prov.year is None:
                    missing = "source" if prov.source is None else "year"
                    out.append(
                        _f(
                            "check_provenance",
                            table,
                            rec.id,
                            a.key,
                            f"figure has no {missing}",
                            "warning",
                        )
                    )
    return out


def check_connectivity(net: Network) -> list[Finding]:
    """Nodes should have at least one link."""
    touched = {x for link in net.links for x in (link.from_node, link.to_node)}
    return [
        _f("check_connectivity", "nodes", n.id, None, "node has no links", "warning")
        for n in net.nodes
        if n.id not in touched
    ]


RULES: dict[str, Callable[[Network], list[Finding]]] = {
    f.__name__: f
    for f in (
        check_not_empty,
        check_duplicate_ids,
        check_field_values,
        check_nonpositive_capacity,
        check_country_codes,
        check_unknown_nodes,
        check_links,
        check_commodities,
        check_services,
        check_transfers,
        check_emission_factors,
        check_restrictions,
        check_provenance,
        check_connectivity,
    )
}
"""The validation rules by name, in the order they run."""


def _locate(net: Network, findings: Iterable[Finding]) -> tuple[Finding, ...]:
    origin = net.origin
    if origin is None:
        return tuple(findings)
    out = []
    for f in findings:
        line = origin.line_of(f.table, f.record_id, f.field)
        out.append(
            Finding(f.rule, f.severity, f.table, f.record_id, f.field, f.message, line, origin.path)
        )
    return tuple(out)


def validate(
    net: Network,
    *,
    strict: bool = False,
    rules: Sequence[str] | None = None,
    raise_on: str | None = None,
) -> ValidationReport:
    """Check a network against the validation rules.

    Parameters
    ----------
    net
        The network.
    strict
        Treat warnings as errors (missing sources, unused ferry links, ...).
    rules
        Names of the rules to run (default: all of :data:`RULES`).
    raise_on
        ``"error"`` to raise :class:`~corridor_twin.errors.ValidationError`
        when there are errors; ``None`` to only report.

    Returns
    -------
    ValidationReport
    """
    names = list(RULES) if rules is None else list(rules)
    findings: list[Any] = []
    for name in names:
        findings += RULES[name](net)
    report = ValidationReport(_locate(net, findings), strict=strict)
    if raise_on == "error" and report.errors:
        first = report.errors[0]
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        raise ValidationError(f"{first}{more}", report.errors)
    return report
