"""Network ACL entries in both Terraform forms, and whether an allow entry really takes effect.

A NACL is evaluated in rule-number order and the first matching entry decides, so an allow
only matters for the traffic that no lower-numbered entry of the same ACL and direction
matches (a deny blocks it; an allow would be reported itself). Inline ``ingress``/``egress``
blocks of ``aws_network_acl``/``aws_default_network_acl`` and ``aws_network_acl_rule``
resources (joined through their ``network_acl_id`` Ref) become ``AclEntry`` records; a value
known only after apply makes the answer undetermined (``None``), never a pass.
"""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import dataclass
from typing import Any

from iacscan.graph.cidrs import cidr_network, covers_public, is_private
from iacscan.graph.security_groups import normalize_protocol
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown

ACL_TYPES = ("aws_network_acl", "aws_default_network_acl")
ALL = "-1"
FULL = (0, 65535)
Net = ipaddress.IPv4Network | ipaddress.IPv6Network
Cell = tuple[str, int, int]  # protocol, first port, last port


@dataclass(frozen=True)
class Traffic:
    """What a rule asks about: (protocol, port range) cells; ``whole`` wants every port allowed."""

    cells: tuple[Cell, ...]
    whole: bool = False

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Traffic:
        protocols = params.get("protocols", ["tcp", "udp"])
        if params.get("all_ports"):
            return cls(tuple((p, *FULL) for p in protocols), whole=True)
        return cls(tuple((p, int(port), int(port)) for p in protocols for port in params["ports"]))


@dataclass
class AclEntry:
    """One entry. ``acl`` identifies its ACL (None when unknown), ``path`` its inline block."""

    owner: Resource
    path: str
    acl: str | None
    direction: Any
    number: Any
    action: Any
    protocol: Any
    from_port: Any
    to_port: Any
    cidr: Any

    def attrs(self) -> dict[str, Any]:
        """The record as rule conditions see it."""
        return {
            "direction": self.direction,
            "rule_number": self.number,
            "action": self.action,
            "protocol": self.protocol,
            "from_port": self.from_port,
            "to_port": self.to_port,
            "all_cidrs": [self.cidr] if self.cidr is not None else [],
        }

    def known(self) -> bool:
        """Everything that decides which packets the entry matches is known."""
        ports = (self.from_port, self.to_port) if self.protocol != ALL else ()
        fields = (self.direction, self.number, self.protocol, self.cidr, *ports)
        return not any(is_unknown(v) for v in fields)

    def ports(self) -> tuple[int, int]:
        """The port range; an empty one when the numbers are missing or malformed."""
        if self.protocol == ALL:
            return FULL
        low, high = self.from_port, self.to_port
        return (low, high) if isinstance(low, int) and isinstance(high, int) else (1, 0)

    def network(self) -> Net | None:
        return cidr_network(self.cidr)


# -- normalizing --------------------------------------------------------------------------------
def all_entries(resources: list[Resource], modes: tuple[str, ...] = ("managed",)) -> list[AclEntry]:
    """Every NACL entry of the configuration (managed resources, unless ``modes`` adds
    existing ones read from AWS), in resource order."""
    acls = {(r.root, r.address): r for r in resources if r.type in ACL_TYPES}
    entries: list[AclEntry] = []
    for resource in resources:
        if resource.mode not in modes:
            continue
        if resource.type in ACL_TYPES:
            entries.extend(_inline(resource))
        elif resource.type == "aws_network_acl_rule":
            key, direction = _acl_key(resource, acls), _direction(resource.attrs.get("egress"))
            entries.append(_entry(resource, "", key, direction, "rule_number", "rule_action"))
    return entries


def _direction(egress: Any) -> Any:
    if is_unknown(egress):
        return egress
    return "egress" if egress in (True, "true") else "ingress"


def _inline(acl: Resource) -> list[AclEntry]:
    key, found = f"{acl.root}:{acl.address}", []
    for direction in ("ingress", "egress"):
        blocks = acl.attrs.get(direction)
        if is_unknown(blocks):  # a dynamic block over an unknown collection
            found.append(_unknown_entry(acl, direction, direction, key, blocks))
        for i, block in enumerate(blocks if isinstance(blocks, list) else []):
            path = f"{direction}[{i}]"
            if isinstance(block, dict):
                found.append(_entry(acl, path, key, direction, "rule_no", "action", block))
            else:
                found.append(_unknown_entry(acl, path, direction, key, block))
    return found


def _unknown_entry(acl: Resource, path: str, direction: str, key: str, value: Any) -> AclEntry:
    """An entry of a dynamic block over an unknown collection: all but its ACL is unknown."""
    return AclEntry(acl, path, key, direction, value, value, value, value, value, value)


def _entry(
    owner: Resource,
    path: str,
    acl: str | None,
    direction: Any,
    number: str,
    action: str,
    block: dict[str, Any] | None = None,
) -> AclEntry:
    """Inline blocks and rule resources differ only in the names of number and action."""
    a = owner.attrs if block is None else block
    return AclEntry(
        owner=owner,
        path=path,
        acl=acl,
        direction=direction,
        number=_number(a.get(number)),
        action=a[action].strip().lower() if isinstance(a.get(action), str) else a.get(action),
        protocol=normalize_protocol(a.get("protocol")),
        from_port=_number(a.get("from_port")),
        to_port=_number(a.get("to_port")),
        cidr=a.get("cidr_block") or a.get("ipv6_cidr_block"),
    )


def _acl_key(rule: Resource, acls: dict[tuple[str, str], Resource]) -> str | None:
    """The ACL a rule resource belongs to: the Ref's target, a literal id, or None (unknown)."""
    value = rule.attrs.get("network_acl_id")
    if isinstance(value, str):
        return f"{rule.root}:id:{value}"
    refs = sorted(value.refs) if isinstance(value, Unknown) else [value]
    if len(refs) != 1 or not isinstance(refs[0], Ref):
        return None
    ref = refs[0]
    if ref.attribute == "default_network_acl_id":  # aws_vpc.x.default_network_acl_id
        for (root, address), acl in acls.items():
            if root == rule.root and acl.attrs.get("default_network_acl_id") == ref:
                return f"{root}:{address}"
        return f"{rule.root}:{ref}"
    return f"{rule.root}:{ref.address}"


def _number(value: Any) -> Any:
    """Rule numbers and ports as ints (``"100"`` from a variable is 100); others unchanged."""
    if isinstance(value, (str, float)):
        try:
            return int(value)
        except ValueError:
            return value
    return value


# -- rule order ---------------------------------------------------------------------------------
def exposure(
    entry: AclEntry, entries: list[AclEntry], traffic: Traffic, direction: str = "ingress"
) -> tuple[bool | None, str]:
    """Whether ``entry`` lets ``traffic`` from the internet through (None: undetermined).

    Traffic that a lower-numbered entry of the same ACL and direction matches never reaches
    ``entry``, whatever that entry's action; ``entry`` matters only if some of its traffic from
    a public address is left over.
    """
    own = _matches(entry, traffic, direction)
    if own is not True:
        return own, "the entry depends on values known only after apply"
    pieces = _pieces(entry, traffic)
    lower, maybe = _peers(entry, entries, pieces)
    left = _unshadowed(entry, pieces, lower)
    if not left:
        return False, f"entry {entry.number} is shadowed by lower-numbered entries"
    proto, first, last, net = left[0]
    what = f"{direction} entry {entry.number} allows {proto} {first}-{last} from {net}"
    if entry.acl is None or maybe:
        return None, f"{what}; its ACL or an entry that may come first is known only after apply"
    return True, f"{what}, not overridden by a lower-numbered entry"


def _matches(entry: AclEntry, traffic: Traffic, direction: str) -> bool | None:
    """Is ``entry``, taken on its own, an allow from the internet covering ``traffic``?"""
    if not is_unknown(entry.direction) and entry.direction != direction:
        return False
    if not is_unknown(entry.action) and entry.action != "allow":
        return False
    net = entry.network()
    if not is_unknown(entry.cidr) and (net is None or not covers_public(net, 8)):
        return False
    protocols = {cell[0] for cell in traffic.cells} | {ALL}
    if not is_unknown(entry.protocol) and entry.protocol not in protocols:
        return False
    if not entry.known():
        return None
    return bool(_pieces(entry, traffic))


def _pieces(entry: AclEntry, traffic: Traffic) -> list[Cell]:
    """The part of ``traffic`` that ``entry`` covers."""
    low, high = entry.ports()
    if traffic.whole and (low, high) != FULL:
        return []
    return [
        (proto, max(first, low), min(last, high))
        for proto, first, last in traffic.cells
        if entry.protocol in (ALL, proto) and max(first, low) <= min(last, high)
    ]


def _peers(
    entry: AclEntry, entries: list[AclEntry], pieces: list[Cell]
) -> tuple[list[AclEntry], list[AclEntry]]:
    """(entries known to be evaluated before ``entry``, entries that might be)."""
    lower, maybe = [], []
    for other in entries:
        if other is entry or other.owner.root != entry.owner.root:
            continue
        if entry.acl and other.acl and other.acl != entry.acl:
            continue
        if not is_unknown(other.direction) and other.direction != entry.direction:
            continue
        numbered = isinstance(entry.number, int) and isinstance(other.number, int)
        if numbered and other.number >= entry.number:
            continue
        if numbered and other.known() and entry.acl is not None and other.acl == entry.acl:
            lower.append(other)
        elif _could_overlap(entry, other, pieces):
            maybe.append(other)
    return lower, maybe


def _could_overlap(entry: AclEntry, other: AclEntry, pieces: list[Cell]) -> bool:
    if not is_unknown(other.protocol) and other.protocol not in {c[0] for c in pieces} | {ALL}:
        return False
    net, theirs = entry.network(), other.network()
    if is_unknown(other.cidr) or net is None:
        return True
    return theirs is not None and theirs.version == net.version and net.overlaps(theirs)


def _unshadowed(
    entry: AclEntry, pieces: list[Cell], lower: list[AclEntry]
) -> list[tuple[str, int, int, Net]]:
    """(protocol, ports, public network) that no lower entry matches, split at port bounds."""
    net = entry.network()
    if net is None:
        return []
    left = []
    for proto, first, last in pieces:
        rivals = [o for o in lower if o.protocol in (ALL, proto)]
        cuts = {first, last + 1}
        for low, high in (o.ports() for o in rivals):
            cuts |= {p for p in (low, high + 1) if first < p <= last}
        for start, stop in itertools.pairwise(sorted(cuts)):
            holes = [o.network() for o in rivals if _covers(o.ports(), start, stop - 1)]
            public = [n for n in _subtract(net, holes) if not is_private(n)]
            if public:
                left.append((proto, start, stop - 1, public[0]))
    return left


def _covers(ports: tuple[int, int], first: int, last: int) -> bool:
    return ports[0] <= first and last <= ports[1]


def _subtract(net: Net, holes: list[Net | None]) -> list[Net]:
    """``net`` minus the ``holes`` of the same IP version, as a list of networks."""
    remaining = [net]
    for hole in holes:
        if hole is None or hole.version != net.version:
            continue
        kept: list[Net] = []
        for part in remaining:
            if part.subnet_of(hole):  # type: ignore[arg-type]
                continue
            if hole.subnet_of(part):  # type: ignore[arg-type]
                kept.extend(part.address_exclude(hole))  # type: ignore[arg-type]
            else:
                kept.append(part)
        remaining = kept
    return remaining
