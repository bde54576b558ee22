"""Azure Load Balancer: which internet traffic a public load balancer forwards to which NIC.

Azure's load balancer is pass-through: the client's address reaches the VM unchanged, so
the NSGs of the VM's subnet and NIC judge it as they judge direct traffic, on the *backend*
port. A load-balancing rule forwards a frontend port to every NIC of its backend pools; an
inbound NAT rule forwards one frontend port to one NIC (the usual way SSH or RDP is
published to a single VM). A frontend is public when it has a public IP. A Standard SKU
load balancer, like a Standard public IP, admits nothing that no NSG allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacscan.graph.firewalls.records import listed, protocol_of
from iacscan.graph.network.components import describe
from iacscan.model import Resource
from iacscan.model.values import Ref, is_unknown

LB = "azurerm_lb"
POOL_ASSOCIATION = "azurerm_network_interface_backend_address_pool_association"
NAT_ASSOCIATION = "azurerm_network_interface_nat_rule_association"


@dataclass(frozen=True)
class Forward:
    """Traffic a load balancer forwards to a NIC, on its backend ``port``."""

    protocol: Any  # tcp | udp | -1, or an unknown
    port: Any  # the backend port, or an unknown
    public: Any  # True, False, or why it is unknown
    steps: tuple[str, ...]  # internet -> ... -> the NIC
    standard: bool


def _address(value: Any) -> str | None:
    return value.address if isinstance(value, Ref) else None


def _frontend(lb: Resource, name: Any) -> Any:
    """Is the named frontend public (True/False), or why is it unknown?"""
    frontends = [
        f for f in listed(lb.attrs.get("frontend_ip_configuration")) if isinstance(f, dict)
    ]
    matching = [f for f in frontends if f.get("name") == name] or (
        frontends if is_unknown(name) else []
    )
    if not matching:
        return False
    if any(f.get("public_ip_address_id") is not None for f in matching):
        return True if not is_unknown(name) else f"frontend {describe(name)}"
    return False


def _forward(rule: Resource, lbs: dict[str, Resource], nic: str) -> Forward | None:
    lb = lbs.get(_address(rule.attrs.get("loadbalancer_id")) or "")
    if lb is None:
        return None
    public = _frontend(lb, rule.attrs.get("frontend_ip_configuration_name"))
    sku = lb.attrs.get("sku")
    standard = not (isinstance(sku, str) and sku.lower() == "basic")
    return Forward(
        protocol_of(rule.attrs.get("protocol")),
        rule.attrs.get("backend_port"),
        public,
        (lb.address, rule.address, nic),
        standard,
    )


def forwards(resources: dict[str, Resource]) -> dict[str, list[Forward]]:
    """NIC address -> what public load balancers forward to it."""
    lbs = {a: r for a, r in resources.items() if r.type == LB}
    by_pool: dict[str, list[Resource]] = {}
    for rule in [r for r in resources.values() if r.type == "azurerm_lb_rule"]:
        for pool in listed(rule.attrs.get("backend_address_pool_ids")):
            if _address(pool):
                by_pool.setdefault(str(_address(pool)), []).append(rule)
    found: dict[str, list[Forward]] = {}
    for link in sorted(resources.values(), key=lambda r: r.address):
        nic = _address(link.attrs.get("network_interface_id"))
        if nic is None:
            continue
        if link.type == POOL_ASSOCIATION:
            rules = by_pool.get(_address(link.attrs.get("backend_address_pool_id")) or "", [])
        elif link.type == NAT_ASSOCIATION:
            nat = resources.get(_address(link.attrs.get("nat_rule_id")) or "")
            rules = [nat] if nat is not None else []
        else:
            continue
        for rule in rules:
            forward = _forward(rule, lbs, nic)
            if forward is not None and forward.public is not False:
                found.setdefault(nic, []).append(forward)
    return found
