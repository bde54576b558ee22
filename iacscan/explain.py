"""``iacscan explain``: what can reach one resource, row by row, with its evidence.

The exposure analysis (``iacscan.graph.network``) already answers "what reaches this
workload from the internet, on which ports, through which path, and what blocks the rest",
through load balancers, and from other workloads; rules only read the OPEN rows of it. This
module shows every row of one resource, so that a reviewer can check a finding, or the
absence of one, against the path that produced it.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from iacscan.graph.compose_reach import ALL_PORTS, networks_of, peers, service_exposure
from iacscan.graph.facts import Facts
from iacscan.graph.firewalls import WORKLOADS as FIREWALL_WORKLOADS
from iacscan.graph.network import Verdict
from iacscan.graph.network.chains import Chain, lateral_chain
from iacscan.graph.network.lateral import Flow, hop_text, reachers
from iacscan.graph.network.placement import PLACERS
from iacscan.graph.network.sets import ports_text, span_text
from iacscan.model import Resource

NOT_A_WORKLOAD = "not a workload the analysis models"
HEADERS = ("family", "protocol", "ports", "verdict", "sources", "path", "blocked by")
LATERAL_HEADERS = ("from", "protocol", "ports", "verdict", "admitted by")


class UnknownAddress(LookupError):
    """No node has this address; ``matches`` are the closest ones, best first."""

    def __init__(self, address: str, matches: list[str], reason: str = "no resource") -> None:
        hint = f"; did you mean: {', '.join(matches)}?" if matches else ""
        super().__init__(f"{reason} {address!r}{hint}")
        self.address = address
        self.matches = matches


@dataclass(frozen=True)
class Explanation:
    """A resource and its verdict rows; ``note`` says why there are none (not a workload)."""

    node: str
    resource: Resource
    verdicts: tuple[Verdict, ...]
    note: str | None = None
    via_lb: tuple[Verdict, ...] = ()  # chains internet -> LB -> target group -> it
    lateral: tuple[Flow, ...] = ()  # flows from other workloads
    chain: Chain | None = None  # the shortest chain from an internet-exposed workload

    @property
    def workload(self) -> bool:
        return self.note is None


def resolve(graph: Any, address: str) -> str:
    """The node id of ``address``. With several root modules the ids are ``root:address``;
    a bare address is accepted when only one root declares it."""
    if address in graph:
        return address
    addresses = {node: data["resource"].address for node, data in graph.nodes(data=True)}
    found = sorted(node for node, bare in addresses.items() if bare == address)
    if len(found) == 1:
        return found[0]
    if found:
        raise UnknownAddress(address, found, "several root modules declare")
    names = sorted({*addresses, *addresses.values()})
    raise UnknownAddress(address, difflib.get_close_matches(address, names, n=5, cutoff=0.6))


def explain(facts: Facts, address: str) -> Explanation:
    """Every exposure verdict of the resource at ``address`` (raises ``UnknownAddress``)."""
    graph = facts.graph
    node = resolve(graph, address)
    resource: Resource = graph.nodes[node]["resource"]
    if resource.type == "compose_service":
        return _compose_service(graph, node, resource)
    if resource.mode == "managed" and resource.type in FIREWALL_WORKLOADS:
        rows = sorted(facts.exposure(node), key=_order)
        return Explanation(
            node, resource, tuple(rows), lateral=tuple(facts.firewall_reachers(node))
        )
    if resource.mode != "managed" or resource.type not in PLACERS:
        return Explanation(node, resource, (), NOT_A_WORKLOAD)
    rows = sorted(facts.exposure(node), key=_order)
    via_lb = sorted(facts.lb_exposure(node), key=_order)
    net = facts.network(resource)
    lateral = reachers(net, resource.address)
    exposed = facts.exposed_workloads(resource.root)
    chain = None if resource.address in exposed else lateral_chain(net, resource.address, exposed)
    return Explanation(node, resource, tuple(rows), None, tuple(via_lb), tuple(lateral), chain)


def _order(verdict: Verdict) -> tuple[Any, ...]:
    return (verdict.family, verdict.protocol, verdict.ports, verdict.path)


def _compose_service(graph: Any, node: str, resource: Resource) -> Explanation:
    """A Compose service: its published ports, and the services that share a network with
    it (they reach it on every port)."""
    shared = set(networks_of(graph, node))
    lateral = tuple(
        Flow(
            peer,
            node,
            "all",
            (ALL_PORTS,),
            (ALL_PORTS,),
            tuple(sorted(shared & set(networks_of(graph, peer)))),
        )
        for peer in peers(graph, node)
    )
    return Explanation(node, resource, tuple(service_exposure(graph, node)), None, (), lateral)


def _cell(items: tuple[str, ...], separator: str) -> str:
    return separator.join(items) if items else "-"


def _heading(explanation: Explanation) -> str:
    r = explanation.resource
    return f"{explanation.node} ({r.type}) at {r.location.file}:{r.location.line}"


def _notes(explanation: Explanation) -> list[str]:
    """Unknowns and assumptions are long sentences: listed once under the tables, not per row."""
    verdicts = explanation.verdicts + explanation.via_lb
    assumed = dict.fromkeys(a for v in verdicts for a in v.assumptions)
    unknown = dict.fromkeys(
        [u for v in verdicts for u in v.unknowns]
        + [u for f in explanation.lateral for u in f.unknowns]
    )
    return [f"assumption: {a}" for a in assumed] + [f"unknown: {u}" for u in unknown]


def _verdict_table(verdicts: tuple[Verdict, ...]) -> str:
    rows = [
        (
            f"IPv{v.family}",
            v.protocol,
            span_text(v.ports),
            v.verdict,
            _cell(v.sources, ", "),
            _cell(v.path, " -> "),
            _cell(v.blocked_by, ", "),
        )
        for v in verdicts
    ]
    return tabulate(rows, headers=HEADERS, disable_numparse=True)


def _lateral_table(flows: tuple[Flow, ...]) -> str:
    rows = [
        (
            f.source,
            f.protocol,
            ports_text(f.ports),
            f.verdict,
            _cell(f.via, ", "),
        )
        for f in flows
    ]
    return tabulate(rows, headers=LATERAL_HEADERS, disable_numparse=True)


def _chain_lines(chain: Chain) -> list[str]:
    return [
        f"{chain.verdict}: {' -> '.join(chain.path)}",
        *(f"  {hop_text(h)}" for h in chain.hops),
    ]


def render_table(explanation: Explanation) -> str:
    """A heading line, one table row per verdict, the load-balancer chains and the lateral
    flows when there are any, then the unknowns and assumptions."""
    if not explanation.workload:
        models = ", ".join(sorted({*PLACERS, *FIREWALL_WORKLOADS}))
        return f"{_heading(explanation)}: {explanation.note} ({models})\n"
    parts = [_heading(explanation), "", _verdict_table(explanation.verdicts)]
    if explanation.via_lb:
        parts += ["", "through load balancers:", "", _verdict_table(explanation.via_lb)]
    if explanation.lateral:
        parts += ["", "from other workloads:", "", _lateral_table(explanation.lateral)]
    if explanation.chain is not None:
        parts += [
            "",
            "from the internet over other workloads:",
            "",
            *_chain_lines(explanation.chain),
        ]
    notes = _notes(explanation)
    return "\n".join([*parts, *(["", *notes] if notes else [])]) + "\n"


def to_json(explanation: Explanation) -> dict[str, Any]:
    """The JSON document; ``ports`` is the inclusive ``[from, to]`` interval."""
    r = explanation.resource
    return {
        "resource": explanation.node,
        "type": r.type,
        "file": r.location.file,
        "line": r.location.line,
        "workload": explanation.workload,
        "exposure": [_verdict_json(v) for v in explanation.verdicts],
        "through_load_balancers": [_verdict_json(v) for v in explanation.via_lb],
        "lateral": [
            {
                "source": f.source,
                "protocol": f.protocol,
                "ports": [list(span) for span in f.ports],
                "verdict": f.verdict,
                "admitted_by": list(f.via),
                "unknowns": list(f.unknowns),
            }
            for f in explanation.lateral
        ],
        "chain_from_internet": None
        if explanation.chain is None
        else _chain_json(explanation.chain),
    }


def _chain_json(chain: Chain) -> dict[str, Any]:
    hops = chain.hops
    return {
        "verdict": chain.verdict,
        "path": list(chain.path),
        "hops": [
            {
                "source": h.source,
                "target": h.target,
                "protocol": h.protocol,
                "ports": [list(span) for span in h.ports],
                "verdict": h.verdict,
                "admitted_by": list(h.via),
            }
            for h in hops
        ],
    }


def _verdict_json(v: Verdict) -> dict[str, Any]:
    return {
        "family": v.family,
        "protocol": v.protocol,
        "ports": list(v.ports),
        "verdict": v.verdict,
        "sources": list(v.sources),
        "path": list(v.path),
        "blocked_by": list(v.blocked_by),
        "unknowns": list(v.unknowns),
        "assumptions": list(v.assumptions),
    }


def render_json(explanation: Explanation) -> str:
    return json.dumps(to_json(explanation), indent=2) + "\n"
