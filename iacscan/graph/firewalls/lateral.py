"""Lateral flows between GCP instances of one network, and between Azure VMs of one VNet.

A flow from S to T needs S's outbound rules and T's inbound rules to let it through, each
evaluated in the cloud's priority order for one source (or destination) workload instead
of the internet. A workload's own address is the cloud's to pick inside its subnet, so a
CIDR admits it *for sure* only when it covers the whole subnet, and touching it makes a
maybe. The clouds' defaults matter most here:

- GCP: the implied rules deny all ingress and allow all egress; a source tag or service
  account selects the instances that carry it.
- Azure: below every NSG's own rules, ``AllowVnetInBound`` and ``AllowVnetOutBound`` admit
  everything between addresses of the virtual network, so VMs of one VNet reach each other
  on every port unless a rule denies it; the ``VirtualNetwork`` tag matches them too. Both
  the subnet's and the NIC's NSG must allow, on each side.

Peered networks, Azure application security groups and GCP hierarchical policies are not
read: a rule that names an application security group is a maybe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iacscan.graph.firewalls import azure, gcp
from iacscan.graph.firewalls.evaluate import Candidate, covers_cell, cuts, evaluation_order
from iacscan.graph.firewalls.records import FirewallRule, listed
from iacscan.graph.network.lateral import Flow
from iacscan.graph.network.sets import (
    FULL,
    Span,
    Spans,
    cidr_spans,
    intersect,
    spans,
    subtract,
    union,
)
from iacscan.model import Resource
from iacscan.model.values import is_unknown

Match = Callable[[FirewallRule], bool | None]


@dataclass(frozen=True)
class Peer:
    """A workload as the other end of a flow: its network, addresses, tags, accounts."""

    address: str
    network: Any  # GCP network key or Azure VNet address; None when unknown
    ranges: Spans | None  # the subnets it may take an address in (None: unknown)
    tags: Any = ()
    account: Any = None


def _hits(candidates: list[Candidate], match: Match, protocol: str, span: Span) -> list[Any]:
    """(rule, hit, allow) of the rules that may decide the cell, in evaluation order; hit is
    True (it matches the peer), or None (it may)."""
    found = []
    for candidate in sorted(candidates, key=evaluation_order):
        rule = candidate.rule
        covers = covers_cell(rule, protocol, span)
        if covers is None or is_unknown(rule.action):
            hit: bool | None = None
        elif not covers:
            continue
        else:
            hit = match(rule)
            hit = None if hit and (candidate.doubt or is_unknown(rule.priority)) else hit
        if hit is not False:
            found.append((rule, hit, rule.action == "allow"))
    return found


def _decide(
    candidates: list[Candidate], match: Match, protocol: str, span: Span, implied: bool
) -> tuple[bool, bool, str]:
    """(allowed for sure, allowed at most, the allowing rule) of first-match evaluation for
    one peer; ``implied`` is what the cloud does when no rule matches."""
    hits = _hits(candidates, match, protocol, span)
    sure = implied
    for _rule, hit, allow in hits:  # a maybe-allow falls through; a maybe-deny may deny
        if hit or not allow:
            sure = allow and bool(hit)
            break
    most, via = implied, ""
    for rule, hit, allow in hits:  # a maybe-deny falls through; a maybe-allow may allow
        if hit or allow:
            most, via = allow, rule.label if allow else ""
            break
    return sure, most, via


def _covers(rule: FirewallRule, ranges: Spans | None) -> bool | None:
    """Do the rule's CIDRs take in the whole peer (True), part of it or maybe (None)?"""
    found: bool | None = False
    for cidr in rule.cidrs:
        net = None if is_unknown(cidr) else cidr_spans(cidr, 4)
        if net == ():
            continue  # an IPv6 range never takes in an IPv4 peer
        if net is not None and not subtract(ranges or FULL[4], net):
            return True  # the whole peer, or (peer unknown) every address
        if net is None or ranges is None or intersect(ranges, net):
            found = None  # part of the peer, or a peer or range known only after apply
    return found


# -- Google Cloud --------------------------------------------------------------------------------
def gcp_peer(nets: gcp.GcpNetworks, workload: Resource) -> Peer:
    interfaces = [i for i in listed(workload.attrs.get("network_interface")) if isinstance(i, dict)]
    first = interfaces[0] if interfaces else {"network": None}
    subnet = nets.find(first.get("subnetwork"), gcp.SUBNETWORK)
    ranges = cidr_spans(subnet.attrs.get("ip_cidr_range"), 4) if subnet else None
    accounts = workload.attrs.get("service_account")
    head = accounts[0] if isinstance(accounts, list) and accounts else {}
    account = head.get("email") if isinstance(head, dict) else None
    network = nets.interface_network(first)
    return Peer(workload.address, network, ranges, workload.attrs.get("tags") or [], account)


def _gcp_match(source: Peer) -> Match:
    def match(rule: FirewallRule) -> bool | None:
        by_cidr = _covers(rule, source.ranges) if rule.cidrs else False
        by_tag: bool | None = False
        if rule.source_tags:
            tags = source.tags
            by_tag = None if is_unknown(tags) else bool(set(rule.source_tags) & set(listed(tags)))
        if rule.source_accounts:
            known = source.account is not None and not is_unknown(source.account)
            by_tag = by_tag or (source.account in rule.source_accounts if known else None)
        if by_cidr or by_tag:
            return True
        return None if None in (by_cidr, by_tag) else False

    return match


def gcp_flows(nets: gcp.GcpNetworks, source: Resource, target: Resource) -> list[Flow]:
    """Flows from one GCP workload to another in the same network."""
    s, t = gcp_peer(nets, source), gcp_peer(nets, target)
    if s.network != t.network or is_unknown(s.network) or str(s.network).startswith("("):
        return []
    inbound = [c for c in gcp.candidates(nets, target, t.network) if c.rule.direction == "ingress"]
    outbound = _gcp_egress(nets, source, s)
    dest = Peer(t.address, t.network, t.ranges)
    return _flows(
        s.address,
        t.address,
        [(inbound, _gcp_match(s), False)],
        [(outbound, lambda r: _covers(r, dest.ranges), True)],
    )


def _gcp_egress(nets: gcp.GcpNetworks, source: Resource, peer: Peer) -> list[Candidate]:
    rules = [r for r in nets.rules if r.direction == "egress" and r.disabled is not True]
    selected = []
    for rule in rules:
        if nets.network_key(rule.group) != peer.network:
            continue
        chosen = gcp._targets(rule, peer.tags, peer.account or gcp.DEFAULT_SA)
        if chosen is not False:
            doubt = chosen if isinstance(chosen, str) else ""
            selected.append(Candidate(rule, doubt, 0 if rule.action == "deny" else 1))
    return selected


# -- Azure ----------------------------------------------------------------------------------------
def azure_peer(
    nets: azure.AzureNetworks, workload: Resource
) -> tuple[Peer, azure.Interface | None]:
    found = azure.interfaces(nets, workload)
    first = found[0] if found else None
    subnet = first.subnet if first else None
    ranges: Spans | None = None
    if subnet is not None:
        prefixes = listed(subnet.attrs.get("address_prefixes"))
        parsed = [cidr_spans(p, 4) for p in prefixes if not is_unknown(p)]
        ranges = spans(s for p in parsed if p for s in p) if parsed and None not in parsed else None
    vnet = azure.container(nets, subnet) if subnet is not None else None
    return Peer(workload.address, vnet, ranges), first


def _azure_match(peer: Peer) -> Match:
    def match(rule: FirewallRule) -> bool | None:
        tags = [str(t).lower() for t in rule.source_tags if not is_unknown(t)]
        covered = _covers(rule, peer.ranges)
        if "virtualnetwork" in tags or covered:
            return True
        if covered is None or any("applicationsecuritygroups" in t for t in tags):
            return None
        return False

    return match


def _azure_layers(
    nets: azure.AzureNetworks, interface: azure.Interface, direction: str
) -> list[list[Candidate]]:
    layers = []
    for layer in interface.layers:
        for value in layer:
            nsg = nets.get(value, azure.AZURE_NSG)
            rules = nets.rules.get(nsg.address, []) if nsg else []
            layers.append([Candidate(r) for r in rules if r.direction == direction])
    return layers


def azure_flows(nets: azure.AzureNetworks, source: Resource, target: Resource) -> list[Flow]:
    """Flows from one Azure VM to another in the same virtual network."""
    (s, s_nic), (t, t_nic) = azure_peer(nets, source), azure_peer(nets, target)
    if s.network is None or s.network != t.network or s_nic is None or t_nic is None:
        return []
    inbound = [(rules, _azure_match(s), True) for rules in _azure_layers(nets, t_nic, "ingress")]
    outbound = [(rules, _azure_match(t), True) for rules in _azure_layers(nets, s_nic, "egress")]
    return _flows(s.address, t.address, inbound, outbound)


# -- both clouds ---------------------------------------------------------------------------------
Layer = tuple[list[Candidate], Match, bool]


def _flows(source: str, target: str, inbound: list[Layer], outbound: list[Layer]) -> list[Flow]:
    """One flow per protocol: the port spans every layer lets through, sure and at most."""
    layers = inbound + outbound
    every = [c for rules, _, _ in layers for c in rules]
    flows = []
    for protocol in ("tcp", "udp"):
        sure: Spans = ()
        most: Spans = ()
        via: list[str] = []
        for span in cuts(every):
            results = [
                _decide(rules, match, protocol, span, implied) for rules, match, implied in layers
            ]
            if all(r[1] for r in results):
                most = union(most, (span,))
                via += [r[2] for r in results[: len(inbound)] if r[2]]
                if all(r[0] for r in results):
                    sure = union(sure, (span,))
        if most:
            unknowns = (
                () if sure == most else (f"a rule between {source} and {target} may not apply",)
            )
            labels = tuple(dict.fromkeys(via)) or ("(default rules)",)
            flows.append(Flow(source, target, protocol, most, sure, labels, unknowns))
    return flows
