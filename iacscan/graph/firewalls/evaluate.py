"""First-match evaluation of priority-ordered firewall rules, as two bounds.

GCP firewall rules and Azure NSG rules are evaluated in priority order (lower number first;
at equal priority GCP puts deny before allow) and the first rule that matches a packet
decides. For internet sources of one (protocol, port interval) cell the result is the set of
sources allowed *for sure* (``low``) and *at most* (``high``), as in the AWS analysis: a rule
that may or may not apply (an unknown target, an unknown source list) can only widen the
gap, which becomes an UNDETERMINED verdict naming the unknown.

Each bound resolves every doubtful rule against the verdict it bounds: for ``low`` a doubtful
allow admits nothing but may still stop the fall-through, a doubtful deny may deny all its
sources; for ``high`` a doubtful allow admits all it may, a doubtful deny denies nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from iacscan.graph.firewalls.records import ALL, FirewallRule
from iacscan.graph.network.components import Part, describe
from iacscan.graph.network.sets import INTERNET, Span, Spans, cidr_spans, intersect, subtract, union
from iacscan.model.values import is_unknown


@dataclass(frozen=True)
class Candidate:
    """A rule that applies to the workload (``doubt`` empty) or may apply (why not sure)."""

    rule: FirewallRule
    doubt: str = ""
    order: int = 0  # GCP: deny before allow at equal priority; Azure: 0


def sources(rule: FirewallRule, family: int) -> tuple[Spans, Spans, tuple[str, ...]]:
    """(sure, at most) internet sources a rule names, and the unknowns among them."""
    low: Spans = ()
    high: Spans = ()
    unknowns: list[str] = []
    for cidr in rule.cidrs:
        if is_unknown(cidr):
            high = INTERNET[family]
            unknowns.append(f"{rule.label}: source {describe(cidr)}")
            continue
        found = cidr_spans(cidr, family)
        if found is None:
            unknowns.append(f"{rule.label}: source {cidr!r} is not a CIDR")
            high = INTERNET[family]
            continue
        low, high = union(low, found), union(high, found)
    everyone = INTERNET[family]
    return intersect(low, everyone), intersect(high, everyone), tuple(unknowns)


def covers_cell(rule: FirewallRule, protocol: str, span: Span) -> bool | None:
    """Does the rule match the cell's protocol and ports (None: unknown)?"""
    if is_unknown(rule.protocol) or is_unknown(rule.ports):
        return None
    if rule.protocol not in (ALL, protocol):
        return False
    return any(low <= span[0] and span[1] <= high for low, high in rule.ports)


def evaluation_order(candidate: Candidate) -> tuple[int, int, str]:
    """Priority first (an unknown one first of all, where it can change the most), then deny
    before allow where the cloud says so (``order``)."""
    value = candidate.rule.priority
    rank = value if isinstance(value, int) and not isinstance(value, bool) else -1
    return (rank, candidate.order, candidate.rule.label)


def first_match(
    candidates: list[Candidate], family: int, protocol: str, span: Span, implied: str
) -> Part:
    """Internet sources the rules let through on one cell; the implied last rule (its code
    ``implied``) denies. A rule of unknown priority is tried first, where it can change the
    most."""
    everyone = INTERNET[family]
    low: Spans = ()
    high: Spans = ()
    rest_low, rest_high = everyone, everyone  # what is still undecided, per bound
    path: tuple[str, ...] = ()
    denied: list[str] = []
    unknowns: list[str] = []
    for candidate in sorted(candidates, key=evaluation_order):
        rule = candidate.rule
        covers = covers_cell(rule, protocol, span)
        if covers is False:
            continue
        sure, most, doubts = sources(rule, family)
        doubtful = [d for d in (candidate.doubt,) if d] + list(doubts)
        if covers is None:
            doubtful.append(f"{rule.label}: protocol or ports {describe(rule.ports)}")
        if doubtful or is_unknown(rule.priority) or is_unknown(rule.action):
            sure = ()
            if is_unknown(rule.priority):
                doubtful.append(f"{rule.label}: priority {describe(rule.priority)}")
        action = rule.action
        if is_unknown(action):
            doubtful.append(f"{rule.label}: action {describe(action)}")
        if not most:
            continue
        unknowns += doubtful
        if action in ("allow",) or is_unknown(action):
            gained = intersect(rest_high, most)
            if gained and not path:
                path = (rule.label,)
            high = union(high, gained)
            if action == "allow":
                low = union(low, intersect(rest_low, sure))
        if action == "deny" and intersect(rest_high, sure):
            denied.append(f"FIREWALL_DENY({rule.label})")
        # sure matches stop the fall-through of both bounds; doubtful ones only of ``low``
        rest_high = subtract(rest_high, sure)
        rest_low = subtract(rest_low, most)
    if high:
        return Part(low, high, path, (), tuple(dict.fromkeys(unknowns)) if low != high else ())
    return Part((), (), (), tuple(denied) or (implied,))


def cuts(candidates: list[Candidate], extra: Sequence[Span] = ()) -> list[Span]:
    """Port intervals on which every rule (and every ``extra`` span) is constant."""
    points = {0, 65536}
    for low, high in extra:
        points |= {low, high + 1}
    for candidate in candidates:
        ports: Any = candidate.rule.ports
        for low, high in ports if isinstance(ports, list) else []:
            points |= {low, high + 1}
    ordered = sorted(p for p in points if 0 <= p <= 65536)
    return [(a, b - 1) for a, b in itertools.pairwise(ordered)]
