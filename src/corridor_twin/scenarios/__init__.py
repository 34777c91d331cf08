"""Scenarios as data: typed changes to a network and its demand, applied purely.

A :class:`Scenario` is a name, a description, a base network, a citation and a
list of typed changes (:data:`CHANGE_KINDS`) plus demand changes
(:data:`DEMAND_CHANGE_KINDS`). :func:`apply_scenario` returns the changed
network, validated after each change; :func:`apply_demand` the changed demand
table; :func:`network_diff` what changed; :func:`compare` tidy result tables
keyed by scenario with deltas vs the baseline. Scenarios are read from YAML or
JSON (:func:`load_scenario`, :func:`load_scenarios`), and the corridor's real
agenda ships as bundled scenarios (:func:`list_scenarios`,
:func:`load_bundled`) with a 2024 demand table (:func:`load_bundled_demand`).

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import apply_scenario, load_bundled, network_diff
>>> net = load_corridor()
>>> alat = apply_scenario(net, load_bundled("baku-port-phase-2"))
>>> sorted(c.attribute for c in network_diff(net, alat).changed if c.table == "nodes")
['capacity_t_per_year', 'capacity_teu_per_year']
"""

from corridor_twin.scenarios._base import EVENT_MODES, WEEKS_PER_YEAR, Change, Cited, Event
from corridor_twin.scenarios.bundled import (
    list_scenarios,
    load_bundled,
    load_bundled_demand,
    resolve_base,
)
from corridor_twin.scenarios.changes import (
    CAPACITY_FIELDS,
    CHANGE_KINDS,
    AddFerry,
    AddLink,
    AddNode,
    AddRecord,
    AddSailings,
    CloseLink,
    CloseNode,
    CloseService,
    ImposeRestriction,
    LiftRestriction,
    OpenLink,
    OpenNode,
    OpenService,
    ScaleBorderDelay,
    ScaleCapacity,
    ScaleDwell,
    ScaleSpeed,
    ScaleTariff,
    SetBorderDelay,
    SetCapacity,
    SetLoadFactor,
    SetSpeed,
    SetStatus,
    SetTariff,
)
from corridor_twin.scenarios.compare import Analysis, Comparison, compare
from corridor_twin.scenarios.demand import (
    DEMAND_CHANGE_KINDS,
    AddDemand,
    DemandChange,
    DemandRow,
    DemandTable,
    ScaleDemand,
    check_demand,
    loads_demand,
    loads_demand_csv,
    read_demand,
)
from corridor_twin.scenarios.diff import AttributeChange, NetworkDiff, demand_diff, network_diff
from corridor_twin.scenarios.io import (
    dumps_scenario,
    load_scenario,
    load_scenarios,
    loads_scenario,
    read_scenario,
    scenario_to_dict,
)
from corridor_twin.scenarios.model import Scenario, ScenarioOrigin, apply_demand, apply_scenario

__all__ = [
    "CAPACITY_FIELDS",
    "CHANGE_KINDS",
    "DEMAND_CHANGE_KINDS",
    "EVENT_MODES",
    "WEEKS_PER_YEAR",
    "AddDemand",
    "AddFerry",
    "AddLink",
    "AddNode",
    "AddRecord",
    "AddSailings",
    "Analysis",
    "AttributeChange",
    "Change",
    "Cited",
    "CloseLink",
    "CloseNode",
    "CloseService",
    "Comparison",
    "DemandChange",
    "DemandRow",
    "DemandTable",
    "Event",
    "ImposeRestriction",
    "LiftRestriction",
    "NetworkDiff",
    "OpenLink",
    "OpenNode",
    "OpenService",
    "ScaleBorderDelay",
    "ScaleCapacity",
    "ScaleDemand",
    "ScaleDwell",
    "ScaleSpeed",
    "ScaleTariff",
    "Scenario",
    "ScenarioOrigin",
    "SetBorderDelay",
    "SetCapacity",
    "SetLoadFactor",
    "SetSpeed",
    "SetStatus",
    "SetTariff",
    "apply_demand",
    "apply_scenario",
    "check_demand",
    "compare",
    "demand_diff",
    "dumps_scenario",
    "list_scenarios",
    "load_bundled",
    "load_bundled_demand",
    "load_scenario",
    "load_scenarios",
    "loads_demand",
    "loads_demand_csv",
    "loads_scenario",
    "network_diff",
    "read_demand",
    "read_scenario",
    "resolve_base",
    "scenario_to_dict",
]
