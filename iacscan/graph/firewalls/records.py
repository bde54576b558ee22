"""GCP VPC firewall rules and Azure NSG rules, normalized into one record type.

Both clouds order rules by priority (lower first) and stop at the first match, unlike AWS
security groups (a union of allows). A record keeps what that evaluation needs: direction,
action, priority, protocol, port spans and sources, with unknown values left as they are.
``FirewallRule.attrs`` is also what rule conditions see, one record per protocol block, so
the YAML vocabulary of the security-group rules (``port_in_range``, ``cidr_is_public``)
applies unchanged.

Sources that name "everyone" (Azure ``*``, ``Internet``, ``Any``; a GCP ingress rule with no
source at all, which the API reads as 0.0.0.0/0) become the CIDRs ``0.0.0.0/0`` and
``::/0``; other service tags, network tags and service accounts stay symbolic: they never
match an internet source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacscan.model import Resource
from iacscan.model.values import Unknown, is_unknown

ALL = "-1"
EVERYONE = ["0.0.0.0/0", "::/0"]
AZURE_EVERYONE = {"*", "internet", "any", "0.0.0.0/0"}
PROTOCOLS = {"all": ALL, "*": ALL, "-1": ALL, "6": "tcp", "17": "udp", "1": "icmp", "58": "icmp"}

GCP_FIREWALL = "google_compute_firewall"
AZURE_NSG = "azurerm_network_security_group"
AZURE_NSG_RULE = "azurerm_network_security_rule"


@dataclass
class FirewallRule:
    """One allow or deny entry for one protocol. ``ports`` is a list of inclusive spans, or
    an unknown; ``group`` is what the rule belongs to (a GCP network value, an Azure NSG)."""

    owner: Resource
    path: str  # "allow[0]", "security_rule[2]"; "" for a rule resource
    cloud: str  # gcp | azure
    name: Any
    direction: Any  # ingress | egress
    action: Any  # allow | deny
    priority: Any
    protocol: Any  # tcp | udp | icmp | -1 | another name
    ports: Any  # list[tuple[int, int]]
    cidrs: list[Any] = field(default_factory=list)
    source_tags: list[Any] = field(default_factory=list)
    source_accounts: list[Any] = field(default_factory=list)
    target_tags: list[Any] = field(default_factory=list)
    target_accounts: list[Any] = field(default_factory=list)
    disabled: Any = False
    logging: Any = None
    group: Any = None

    @property
    def label(self) -> str:
        """How a path names the rule: the owner and, for inline rules, the block."""
        return f"{self.owner.address}.{self.path}" if self.path else self.owner.address

    def records(self) -> list[dict[str, Any]]:
        """The rule as rule conditions see it: one record per port span (``["80", "443"]``
        must not read as 80-443), or one with the unknown."""
        if isinstance(self.ports, list) and len(self.ports) > 1:
            return [self.attrs((low, high)) for low, high in self.ports]
        return [self.attrs()]

    def attrs(self, span: tuple[Any, Any] | None = None) -> dict[str, Any]:
        """One record; ``from_port``/``to_port`` are ``span`` or bound all the ports."""
        low, high = span or _bounds(self.ports)
        return {
            "cloud": self.cloud,
            "name": self.name,
            "direction": self.direction,
            "action": self.action,
            "priority": self.priority,
            "protocol": self.protocol,
            "from_port": low,
            "to_port": high,
            "all_cidrs": self.cidrs,
            "source_tags": self.source_tags,
            "source_service_accounts": self.source_accounts,
            "disabled": self.disabled,
            "logging": self.logging,
        }


def _bounds(ports: Any) -> tuple[Any, Any]:
    if is_unknown(ports):
        return ports, ports
    if not ports:
        return None, None
    return min(p[0] for p in ports), max(p[1] for p in ports)


def listed(value: Any) -> list[Any]:
    """A list attribute as a list (None: empty; an unknown: one unknown item)."""
    if value is None:
        return []
    return [v for v in value if v is not None] if isinstance(value, list) else [value]


def protocol_of(value: Any) -> Any:
    if value is None or is_unknown(value):
        return value
    text = str(value).strip().lower()
    return PROTOCOLS.get(text, text)


def port_spans(values: list[Any], protocol: Any) -> Any:
    """``["22", "8000-8080", "*"]`` as spans; every port when the list is empty or the
    protocol has no ports; an unknown when any item is unknown or malformed."""
    if protocol == ALL or not values:
        return [(0, 65535)]
    found: list[tuple[int, int]] = []
    for value in values:
        if is_unknown(value):
            return value
        text = str(value).strip()
        if text in ("*", "0-65535"):
            found.append((0, 65535))
            continue
        low, _, high = text.partition("-")
        try:
            span = (int(low), int(high or low))
        except ValueError:
            return Unknown(f"port range {text!r} is not a number or a range")
        found.append(span)
    return sorted(found)


# -- Google Cloud ---------------------------------------------------------------------------------
def gcp_rules(firewall: Resource) -> list[FirewallRule]:
    """One record per ``allow``/``deny`` block of a ``google_compute_firewall``."""
    a = firewall.attrs
    direction = a.get("direction") or "INGRESS"
    direction = direction.lower() if isinstance(direction, str) else direction
    cidrs = listed(a.get("source_ranges"))
    tags, accounts = listed(a.get("source_tags")), listed(a.get("source_service_accounts"))
    if direction == "ingress" and not cidrs and not tags and not accounts:
        cidrs = list(EVERYONE[:1])  # the API's default source for an ingress rule
    if direction == "egress":
        cidrs = listed(a.get("destination_ranges")) or list(EVERYONE[:1])
    log = a.get("log_config")
    logging = bool(log) if not is_unknown(log) else log
    priority = 1000 if a.get("priority") is None else a.get("priority")
    rules = []
    for action in ("allow", "deny"):
        blocks = a.get(action)
        for i, item in enumerate(blocks if isinstance(blocks, list) else []):
            block = item if isinstance(item, dict) else {}
            protocol = protocol_of(block.get("protocol"))
            rules.append(
                FirewallRule(
                    owner=firewall,
                    path=f"{action}[{i}]",
                    cloud="gcp",
                    name=a.get("name"),
                    direction=direction,
                    action=action,
                    priority=priority,
                    protocol=protocol,
                    ports=port_spans(listed(block.get("ports")), protocol),
                    cidrs=cidrs,
                    source_tags=tags,
                    source_accounts=accounts,
                    target_tags=listed(a.get("target_tags")),
                    target_accounts=listed(a.get("target_service_accounts")),
                    disabled=a.get("disabled", False) or False,
                    logging=logging,
                    group=a.get("network"),
                )
            )
        if is_unknown(blocks):
            rules.append(_unknown_rule(firewall, action, "gcp", blocks, a.get("network")))
    return rules


def _unknown_rule(owner: Resource, path: str, cloud: str, value: Any, group: Any) -> FirewallRule:
    """A dynamic block over an unknown collection: every field unknown, never passed."""
    return FirewallRule(
        owner, path, cloud, value, "ingress", value, value, value, value, [value], group=group
    )


# -- Azure ----------------------------------------------------------------------------------------
def _azure_remote(block: dict[str, Any], side: str) -> tuple[list[Any], list[Any]]:
    """(CIDRs, other tags) of an NSG rule's remote side: ``source`` for inbound rules,
    ``destination`` for outbound ones."""
    cidrs: list[Any] = []
    tags: list[Any] = []
    prefixes = listed(block.get(f"{side}_address_prefix")) + listed(
        block.get(f"{side}_address_prefixes")
    )
    for prefix in prefixes:
        if is_unknown(prefix):
            cidrs.append(prefix)
        elif str(prefix).strip().lower() in AZURE_EVERYONE:
            cidrs.extend(EVERYONE)
        elif "/" in str(prefix) or str(prefix).replace(".", "").isdigit() or ":" in str(prefix):
            cidrs.append(str(prefix) if "/" in str(prefix) else f"{prefix}/32")
        else:
            tags.append(prefix)
    tags += listed(block.get(f"{side}_application_security_group_ids"))
    return cidrs, tags


def azure_rule(owner: Resource, path: str, block: dict[str, Any], group: Any) -> FirewallRule:
    """One NSG security rule, inline block or ``azurerm_network_security_rule``."""
    protocol = protocol_of(block.get("protocol"))
    direction = block.get("direction")
    if isinstance(direction, str):
        direction = "ingress" if direction.lower() == "inbound" else "egress"
    action = block.get("access")
    action = action.lower() if isinstance(action, str) else action
    ports = listed(block.get("destination_port_range")) + listed(
        block.get("destination_port_ranges")
    )
    cidrs, tags = _azure_remote(block, "destination" if direction == "egress" else "source")
    return FirewallRule(
        owner=owner,
        path=path,
        cloud="azure",
        name=block.get("name"),
        direction=direction,
        action=action,
        priority=block.get("priority"),
        protocol=protocol,
        ports=port_spans(ports, protocol) if ports else [(0, 65535)],
        cidrs=cidrs,
        source_tags=tags,
        group=group,
    )


def azure_rules(resource: Resource) -> list[FirewallRule]:
    """The rules an NSG declares inline, or the one a rule resource declares."""
    if resource.type == AZURE_NSG_RULE:
        group = resource.attrs.get("network_security_group_name")
        return [azure_rule(resource, "", resource.attrs, group)]
    blocks = resource.attrs.get("security_rule")
    if is_unknown(blocks):
        return [_unknown_rule(resource, "security_rule", "azure", blocks, resource.address)]
    return [
        azure_rule(resource, f"security_rule[{i}]", b, resource.address)
        for i, b in enumerate(blocks if isinstance(blocks, list) else [])
        if isinstance(b, dict)
    ]


def all_rules(resources: list[Resource]) -> list[FirewallRule]:
    """Every GCP firewall and Azure NSG rule of the configuration, in resource order."""
    found: list[FirewallRule] = []
    for resource in resources:
        if resource.mode != "managed":
            continue
        if resource.type == GCP_FIREWALL:
            found.extend(gcp_rules(resource))
        elif resource.type in (AZURE_NSG, AZURE_NSG_RULE):
            found.extend(azure_rules(resource))
    return found
