"""Google Cloud: which VPC firewall rules apply to an instance, and its internet exposure.

Semantics (VPC firewall rules): rules belong to one VPC network; an ingress rule applies to
the instances its ``target_tags`` or ``target_service_accounts`` select, or to every
instance of the network when it names neither; rules are evaluated by priority (0 first,
1000 by default) with deny before allow at equal priority, and the implied lowest rule
denies all ingress. Inbound traffic from the internet also needs an external address
(an ``access_config`` block, even an empty one, gives an ephemeral IPv4 address;
``ipv6_access_config`` an external IPv6 one). A network not declared in the configuration
(the project's ``default`` network, typically) has rules we cannot see: its workloads are
UNDETERMINED, since the default network's pre-populated rules admit SSH and RDP from
anywhere unless someone removed them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacscan.graph.firewalls.evaluate import Candidate, cuts, first_match
from iacscan.graph.firewalls.gcp_lb import Forward, forwards
from iacscan.graph.firewalls.records import FirewallRule, gcp_rules, listed
from iacscan.graph.firewalls.verdicts import gate_part, verdict_rows
from iacscan.graph.network.components import Part, describe
from iacscan.graph.network.exposure import Verdict, combine, either
from iacscan.graph.network.sets import INTERNET, Span, Spans, cidr_spans, intersect, union
from iacscan.model import Resource
from iacscan.model.values import Ref, is_unknown

WORKLOADS = (
    "google_compute_instance",
    "google_compute_instance_template",
    "google_compute_region_instance_template",
)
NETWORK = "google_compute_network"
SUBNETWORK = "google_compute_subnetwork"
DEFAULT_SA = "(the project's default compute service account)"


@dataclass
class GcpNetworks:
    """The declared networks, subnetworks and firewall rules of one root module."""

    resources: dict[str, Resource]
    named: dict[tuple[str, str], Resource]
    rules: list[FirewallRule]
    forwards: dict[str, list[Forward]] = field(default_factory=dict)  # workload -> LB rules

    def find(self, value: Any, kind: str) -> Resource | None:
        """A network or subnetwork by Ref, name, or self link / id path."""
        if isinstance(value, Ref):
            found = self.resources.get(value.address)
            return found if found is not None and found.type == kind else None
        if isinstance(value, str):
            return self.named.get((kind, value.rstrip("/").rsplit("/", 1)[-1]))
        return None

    def network_key(self, value: Any) -> Any:
        """One name for a network however it is written; an unknown stays unknown."""
        found = self.find(value, NETWORK)
        if found is not None:
            return found.address
        if isinstance(value, str):
            return f"(network {value.rstrip('/').rsplit('/', 1)[-1]})"
        if isinstance(value, Ref):  # a data source or a resource not declared here
            return f"({value.address})"
        return value

    def interface_network(self, interface: dict[str, Any]) -> Any:
        """The interface's network: through its subnetwork when it names one."""
        subnet = interface.get("subnetwork")
        if subnet is not None:
            found = self.find(subnet, SUBNETWORK)
            if found is not None:
                return self.network_key(found.attrs.get("network"))
            if interface.get("network") is None:
                return subnet if is_unknown(subnet) else f"(subnetwork {subnet})"
        network = interface.get("network")
        return self.network_key(network) if network is not None else "(network default)"


def build(resources: list[Resource]) -> GcpNetworks:
    """The GCP networks of one root module's resources."""
    managed = [r for r in resources if r.mode == "managed"]
    named: dict[tuple[str, str], Resource] = {}
    for r in sorted(managed, key=lambda r: r.address):
        if r.type in (NETWORK, SUBNETWORK) and isinstance(r.attrs.get("name"), str):
            named.setdefault((r.type, r.attrs["name"]), r)
    rules = [rule for r in managed if r.type == "google_compute_firewall" for rule in gcp_rules(r)]
    by_address = {r.address: r for r in managed}
    return GcpNetworks(by_address, named, rules, forwards(by_address))


def _targets(rule: FirewallRule, tags: Any, account: Any) -> bool | str:
    """Does the rule select the instance (True), not (False), or is it unknown (why)?"""
    if not rule.target_tags and not rule.target_accounts:
        return True
    if rule.target_tags:
        if is_unknown(tags) or any(is_unknown(t) for t in rule.target_tags):
            return "target tags are known only after apply"
        if set(rule.target_tags) & set(listed(tags)):
            return True
    if rule.target_accounts:
        if account == DEFAULT_SA or is_unknown(account):
            return "the instance's service account is not known"
        if any(is_unknown(a) for a in rule.target_accounts):
            return "target service accounts are known only after apply"
        if account in rule.target_accounts:
            return True
    return False


def candidates(nets: GcpNetworks, workload: Resource, network: Any) -> list[Candidate]:
    """The ingress rules that apply to the workload's interface in ``network``."""
    tags = workload.attrs.get("tags")
    accounts = workload.attrs.get("service_account")
    first = accounts[0] if isinstance(accounts, list) and accounts else {}
    account = first.get("email") if isinstance(first, dict) else first
    account = DEFAULT_SA if account is None else account
    found = []
    for rule in nets.rules:
        if rule.direction == "egress" or rule.disabled is True:
            continue
        doubts = []
        key = nets.network_key(rule.group)
        if is_unknown(key) or is_unknown(network):
            doubts.append(f"{rule.label}: network {describe(key if is_unknown(key) else network)}")
        elif key != network:
            continue
        selected = _targets(rule, tags, account)
        if selected is False:
            continue
        if isinstance(selected, str):
            doubts.append(f"{rule.label}: {selected}")
        for value, what in ((rule.direction, "direction"), (rule.disabled, "disabled")):
            if is_unknown(value):
                doubts.append(f"{rule.label}: {what} {describe(value)}")
        found.append(Candidate(rule, "; ".join(doubts), 0 if rule.action == "deny" else 1))
    return found


def _public(interface: dict[str, Any], family: int) -> bool | str:
    block = interface.get("access_config" if family == 4 else "ipv6_access_config")
    if is_unknown(block):
        return f"external address: {describe(block)}"
    return bool(block)


def _interface_cell(
    nets: GcpNetworks, workload: Resource, interface: dict[str, Any]
) -> tuple[list[Candidate], Any]:
    network = nets.interface_network(interface)
    return candidates(nets, workload, network), network


def exposure(nets: GcpNetworks, workload: Resource) -> list[Verdict]:
    """Every (family, protocol, port interval) verdict of a GCP instance or template."""
    interfaces = [i for i in listed(workload.attrs.get("network_interface")) if isinstance(i, dict)]
    if not interfaces:  # an instance needs one; a template may leave it to the group
        interfaces = [{"network": None}]
    per_interface = [(i, *_interface_cell(nets, workload, i)) for i in interfaces]
    every = [c for _, found, _ in per_interface for c in found]

    lbs = nets.forwards.get(workload.address, [])
    spans = [span for f in lbs if isinstance(f.ports, list) for span in f.ports]

    def cell(family: int, protocol: str, span: Span) -> Part:
        parts = []
        for index, (interface, found, network) in enumerate(per_interface):
            gate = gate_part(_public(interface, family), family, "NO_EXTERNAL_IP", "(external IP)")
            if isinstance(network, str) and network.startswith("("):
                rules = Part((), INTERNET[family], (), (), (_undeclared(network),))
                route = Part(INTERNET[family], INTERNET[family])
            else:
                rules = first_match(found, family, protocol, span, "FIREWALL_IMPLIED_DENY")
                route = route_part(nets, network, workload.attrs.get("tags"), family)
            parts.append(combine([gate, route, rules], workload.address))
            for forward in lbs if index == 0 and family == 4 else []:
                if _carries(forward, protocol, span):
                    entry = Part(INTERNET[family], INTERNET[family], forward.steps)
                    parts.append(combine([entry, route, rules], workload.address))
        return either(parts)

    return verdict_rows(workload.address, cell, cuts(every, spans))


def _carries(forward: Forward, protocol: str, span: Span) -> bool:
    """Does the forwarding rule send this cell (its protocol, a port range over it)?"""
    if forward.protocol not in (protocol, "-1") and not is_unknown(forward.protocol):
        return False
    if is_unknown(forward.ports):
        return True
    return any(low <= span[0] and span[1] <= high for low, high in forward.ports)


INTERNET_GATEWAY = "default-internet-gateway"


def route_part(nets: GcpNetworks, network: Any, tags: Any, family: int) -> Part:
    """Replies to internet clients leave through a route to the default internet gateway.
    Every network has one for 0.0.0.0/0 unless ``delete_default_routes_on_create`` removed
    it; then only the declared ``google_compute_route``s to the gateway (for the instance's
    tags, when they name some) cover the clients."""
    everyone = INTERNET[family]
    declared = nets.resources.get(network) if isinstance(network, str) else None
    deleted = declared.attrs.get("delete_default_routes_on_create") if declared else None
    if not deleted:
        return Part(everyone, everyone)
    low: Spans = ()
    high: Spans = () if deleted is True else everyone
    path: tuple[str, ...] = ()
    unknowns = [] if deleted is True else [f"{network}: default routes {describe(deleted)}"]
    for route in [r for r in nets.resources.values() if r.type == "google_compute_route"]:
        if nets.network_key(route.attrs.get("network")) != network:
            continue
        hop = route.attrs.get("next_hop_gateway")
        if not (isinstance(hop, str) and hop.endswith(INTERNET_GATEWAY)) and not is_unknown(hop):
            continue
        spans = cidr_spans(route.attrs.get("dest_range"), family)
        route_tags = listed(route.attrs.get("tags"))
        sure = (
            not is_unknown(hop)
            and spans is not None
            and (not route_tags or (not is_unknown(tags) and set(route_tags) & set(listed(tags))))
        )
        most = everyone if spans is None else intersect(spans, everyone)
        if route_tags and not is_unknown(tags) and not set(route_tags) & set(listed(tags)):
            continue
        high = union(high, most)
        low = union(low, most) if sure else low
        path = path or (route.address,)
        if not sure:
            unknowns.append(f"{route.address}: applies only maybe")
    if not high:
        return Part((), (), (), ("NO_ROUTE_TO_INTERNET_GATEWAY",))
    return Part(low, high, path, (), tuple(unknowns) if low != high else ())


def _undeclared(network: str) -> str:
    return (
        f"{network} is not declared here: its firewall rules are not known (the default "
        "network's pre-populated rules admit SSH and RDP from anywhere)"
    )


def container(nets: GcpNetworks, resource: Resource) -> str | None:
    """The subnetwork or network box a resource is drawn in (exports): a workload in its
    only subnetwork (else its network), a subnetwork or firewall rule in its network."""
    if resource.type in (SUBNETWORK, "google_compute_firewall"):
        found = nets.find(resource.attrs.get("network"), NETWORK)
        return found.address if found else None
    if resource.type not in WORKLOADS:
        return None
    interfaces = [i for i in listed(resource.attrs.get("network_interface")) if isinstance(i, dict)]
    boxes = set()
    for interface in interfaces:
        box = nets.find(interface.get("subnetwork"), SUBNETWORK) or nets.find(
            interface.get("network"), NETWORK
        )
        boxes.add(box.address if box else None)
    return boxes.pop() if len(boxes) == 1 else None
