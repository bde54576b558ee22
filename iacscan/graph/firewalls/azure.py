"""Azure: which network security groups filter a VM's traffic, and its internet exposure.

Semantics (NSGs): a VM's NIC may have an NSG of its own and its subnet another; inbound
traffic must be allowed by both (a layer with no NSG filters nothing). Within an NSG, rules
are evaluated by priority (100 first, 4096 last) and the first match decides; below them the
default rules admit the virtual network and the Azure load balancer and deny everything else
(``DenyAllInBound``), so the internet gets nothing no rule admits. ``*``, ``Internet`` and
``Any`` as a source mean every address. Inbound traffic from the internet also needs a
public IP on the NIC; a Standard SKU public IP (the azurerm 4.x default) is closed to inbound
traffic unless an NSG admits it, so a VM with such an address and no NSG at all is CLOSED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacscan.graph.firewalls.azure_lb import Forward, forwards
from iacscan.graph.firewalls.evaluate import Candidate, cuts, first_match
from iacscan.graph.firewalls.records import AZURE_NSG, FirewallRule, azure_rules, listed
from iacscan.graph.firewalls.verdicts import gate_part, verdict_rows
from iacscan.graph.network.components import Part, describe
from iacscan.graph.network.exposure import Verdict, combine, either
from iacscan.graph.network.sets import INTERNET, Span
from iacscan.model import Resource
from iacscan.model.values import Ref, is_unknown

VMS = (
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
    "azurerm_virtual_machine",
)
SCALE_SETS = (
    "azurerm_linux_virtual_machine_scale_set",
    "azurerm_windows_virtual_machine_scale_set",
)
WORKLOADS = VMS + SCALE_SETS
NIC = "azurerm_network_interface"
SUBNET = "azurerm_subnet"
PUBLIC_IP = "azurerm_public_ip"
NIC_ASSOCIATION = "azurerm_network_interface_security_group_association"
SUBNET_ASSOCIATION = "azurerm_subnet_network_security_group_association"


@dataclass
class AzureNetworks:
    """NSGs with their rules, and which NIC and subnet each one filters, in one root."""

    resources: dict[str, Resource]
    rules: dict[str, list[FirewallRule]] = field(default_factory=dict)  # NSG address -> rules
    nsg_of: dict[str, list[Any]] = field(default_factory=dict)  # NIC/subnet address -> NSGs
    forwards: dict[str, list[Forward]] = field(default_factory=dict)  # NIC -> public LB rules

    def get(self, value: Any, kind: str) -> Resource | None:
        found = self.resources.get(value.address) if isinstance(value, Ref) else None
        return found if found is not None and found.type == kind else None


def build(resources: list[Resource]) -> AzureNetworks:
    """The NSGs of one root module and the NICs and subnets they are associated with."""
    managed = [r for r in resources if r.mode == "managed"]
    nets = AzureNetworks({r.address: r for r in managed})
    names = {r.attrs.get("name"): r.address for r in managed if r.type == AZURE_NSG}
    for r in managed:
        for rule in (
            azure_rules(r) if r.type in (AZURE_NSG, "azurerm_network_security_rule") else []
        ):
            owner = rule.group if r.type == AZURE_NSG else names.get(rule.group)
            if isinstance(owner, str):
                nets.rules.setdefault(owner, []).append(rule)
        if r.type == AZURE_NSG:
            nets.rules.setdefault(r.address, [])
        links = {NIC_ASSOCIATION: "network_interface_id", SUBNET_ASSOCIATION: "subnet_id"}
        if r.type in links and isinstance(r.attrs.get(links[r.type]), Ref):
            target = r.attrs[links[r.type]].address
            nets.nsg_of.setdefault(target, []).append(r.attrs.get("network_security_group_id"))
        if r.type in (NIC, SUBNET) and r.attrs.get("network_security_group_id") is not None:
            nets.nsg_of.setdefault(r.address, []).append(r.attrs["network_security_group_id"])
    nets.forwards = forwards(nets.resources)
    return nets


@dataclass(frozen=True)
class Interface:
    """One IP configuration of a VM: where it sits, its public address and its NSG layers."""

    public: Any  # True / False / why unknown
    steps: tuple[str, ...]  # the path from the internet to the NIC
    layers: tuple[tuple[Any, ...], ...]  # per layer (subnet, NIC) its NSG values, () for none
    sku: Any = "Standard"
    forwards: tuple[Forward, ...] = ()  # what public load balancers forward to the NIC
    subnet: Resource | None = None  # the subnet it sits in, when declared here


def _nic_interfaces(nets: AzureNetworks, value: Any) -> list[Interface]:
    nic = nets.get(value, NIC)
    if nic is None:
        why = f"network interface {describe(value)} (not declared here)"
        return [Interface(why, (), (), "unknown")]
    found = []
    for config in [c for c in listed(nic.attrs.get("ip_configuration")) if isinstance(c, dict)]:
        ip_value = config.get("public_ip_address_id")
        ip = nets.get(ip_value, PUBLIC_IP)
        public: Any = ip_value is not None
        if is_unknown(ip_value) and ip is None:
            public = f"public IP {describe(ip_value)}"
        subnet = nets.get(config.get("subnet_id"), SUBNET)
        subnet_nsgs = tuple(nets.nsg_of.get(subnet.address, ())) if subnet else ()
        if subnet is None and config.get("subnet_id") is not None:
            subnet_nsgs = (config.get("subnet_id"),)  # not declared here: its NSG is unknown
        steps = tuple(a for a in ((ip.address if ip else "(public IP)"), nic.address) if a)
        sku = (ip.attrs.get("sku") or "Standard") if ip else "Standard"
        layers = (subnet_nsgs, tuple(nets.nsg_of.get(nic.address, ())))
        lbs = tuple(nets.forwards.get(nic.address, ()))
        found.append(Interface(public, steps, layers, sku, lbs, subnet))
    return found


def _scale_set_interfaces(nets: AzureNetworks, vmss: Resource) -> list[Interface]:
    found = []
    for block in [b for b in listed(vmss.attrs.get("network_interface")) if isinstance(b, dict)]:
        nic_nsg = listed(block.get("network_security_group_id"))
        for config in [c for c in listed(block.get("ip_configuration")) if isinstance(c, dict)]:
            public = config.get("public_ip_address")
            subnet = nets.get(config.get("subnet_id"), SUBNET)
            subnet_nsgs = tuple(nets.nsg_of.get(subnet.address, ())) if subnet else ()
            flag: Any = bool(public) if not is_unknown(public) else describe(public)
            layers = (subnet_nsgs, tuple(nic_nsg))
            found.append(Interface(flag, ("(instance public IP)",), layers, subnet=subnet))
    return found


def _layer(
    nets: AzureNetworks, nsgs: tuple[Any, ...], family: int, protocol: str, span: Span
) -> Part:
    """What one layer (subnet or NIC) lets through: every NSG on it must allow."""
    everyone = INTERNET[family]
    parts = []
    for value in nsgs:
        nsg = nets.get(value, AZURE_NSG)
        if nsg is None:
            why = f"network security group {describe(value)}: its rules are not known"
            parts.append(Part((), everyone, (), (), (why,)))
            continue
        found = [Candidate(r, _doubt(r)) for r in nets.rules.get(nsg.address, [])]
        found = [c for c in found if c.rule.direction != "egress"]
        parts.append(
            first_match(found, family, protocol, span, f"NSG_DENY_ALL_INBOUND({nsg.address})")
        )
    return _merge_layer(parts, everyone)


def _merge_layer(parts: list[Part], everyone: Any) -> Part:
    if not parts:
        return Part(everyone, everyone)
    merged = combine(parts, "")
    return Part(merged.low, merged.high, merged.path[1:-1], merged.blocks, merged.unknowns)


def _doubt(rule: FirewallRule) -> str:
    return (
        f"{rule.label}: direction {describe(rule.direction)}" if is_unknown(rule.direction) else ""
    )


def _layers(
    nets: AzureNetworks, i: Interface, family: int, protocol: str, span: Span, public: Any, sku: Any
) -> list[Part]:
    """The NSG layers of an interface; with none, a Standard SKU address admits nothing."""
    if public is True and not any(i.layers) and sku == "Standard":
        return [Part((), (), (), ("NO_NSG_STANDARD_SKU_CLOSED",))]
    return [_layer(nets, layer, family, protocol, span) for layer in i.layers]


def _carries(forward: Forward, protocol: str, span: Span) -> bool:
    """Does a load-balancer rule forward this cell (its backend port, its protocol)?"""
    if forward.protocol not in (protocol, "-1") and not is_unknown(forward.protocol):
        return False
    return is_unknown(forward.port) or span == (forward.port, forward.port)


def interfaces(nets: AzureNetworks, workload: Resource) -> list[Interface]:
    if workload.type in SCALE_SETS:
        return _scale_set_interfaces(nets, workload)
    ids = workload.attrs.get("network_interface_ids")
    if is_unknown(ids):
        return [Interface(f"network interfaces {describe(ids)}", (), ())]
    return [i for value in listed(ids) for i in _nic_interfaces(nets, value)]


def exposure(nets: AzureNetworks, workload: Resource) -> list[Verdict]:
    """Every (family, protocol, port interval) verdict of an Azure VM or scale set."""
    found = interfaces(nets, workload)
    ports = [
        (p, p)
        for i in found
        for f in i.forwards
        for p in [f.port]
        if isinstance(p, int) and not isinstance(p, bool)
    ]
    every = [
        Candidate(rule)
        for i in found
        for layer in i.layers
        for value in layer
        for nsg in [nets.get(value, AZURE_NSG)]
        if nsg is not None
        for rule in nets.rules.get(nsg.address, [])
    ]

    def cell(family: int, protocol: str, span: Span) -> Part:
        parts = []
        for i in found:
            public = i.public if family == 4 else False
            gate = gate_part(public, family, "NO_PUBLIC_IP", "(NIC)")
            steps = i.steps if gate.path else ()
            gate = Part(gate.low, gate.high, steps, gate.blocks, gate.unknowns)
            layers = _layers(nets, i, family, protocol, span, public, i.sku)
            parts.append(combine([gate, *layers], workload.address))
            for forward in i.forwards if family == 4 else ():
                if _carries(forward, protocol, span):
                    gate = gate_part(forward.public, family, "", "")
                    gate = Part(gate.low, gate.high, forward.steps, (), gate.unknowns)
                    standard = "Standard" if forward.standard else "Basic"
                    layers = _layers(nets, i, family, protocol, span, True, standard)
                    parts.append(combine([gate, *layers], workload.address))
        return either(parts) if parts else Part((), (), (), ("NO_NETWORK_INTERFACE",))

    return verdict_rows(workload.address, cell, cuts(every, ports))


def container(nets: AzureNetworks, resource: Resource) -> str | None:
    """The subnet or virtual network box a resource is drawn in (exports): a VM or NIC in
    its only subnet, a subnet in the virtual network it names."""
    if resource.type == SUBNET:
        name = resource.attrs.get("virtual_network_name")
        vnets = [
            r.address
            for r in nets.resources.values()
            if r.type == "azurerm_virtual_network"
            and (
                r.attrs.get("name") == name or (isinstance(name, Ref) and name.address == r.address)
            )
        ]
        return vnets[0] if len(vnets) == 1 else None
    nics = [resource] if resource.type == NIC else []
    if resource.type in VMS:
        nics = [
            n
            for v in listed(resource.attrs.get("network_interface_ids"))
            if (n := nets.get(v, NIC))
        ]
    configs = [
        c for n in nics for c in listed(n.attrs.get("ip_configuration")) if isinstance(c, dict)
    ]
    subnets = {s.address for c in configs if (s := nets.get(c.get("subnet_id"), SUBNET))}
    return subnets.pop() if len(subnets) == 1 else None
