"""CIDR facts shared by rules and network analyses: what is private, what is the internet.

"The internet" for a rule is a range that is not private and is at least as wide as a
threshold (``/8`` by default): ``0.0.0.0/0``, but also its halves ``0.0.0.0/1`` +
``128.0.0.0/1`` that are written to slip past checkers which look only for ``/0``, while an
office's public ``/32`` is not.
"""

from __future__ import annotations

import ipaddress
from typing import Any

RESERVED_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
    )
]
PRIVATE_V6 = [ipaddress.ip_network(n) for n in ("fc00::/7", "fe80::/10", "::1/128", "ff00::/8")]


# Private *source* ranges (SG-006): "this network" (0.0.0.0/8) and multicast are reserved,
# so never the internet, but no host sends from them either: they are not private networks.
PRIVATE_V4 = [n for n in RESERVED_V4 if str(n) not in ("0.0.0.0/8", "224.0.0.0/3")]


def _text(text: str) -> str:
    """A bare prefix (``"/0"``, which AWS rejects) denotes the IPv4 network of that length
    at address zero: it is judged as what it would open, and reported by cidr_problem."""
    text = text.strip()
    return f"0.0.0.0{text}" if text.startswith("/") else text


def cidr_network(text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_network(_text(text), strict=False)
    except ValueError:
        return None


def cidr_problem(text: Any) -> str | None:
    """Why AWS would reject a CIDR that ``cidr_network`` still reads: a bare prefix, or an
    address with host bits set (``10.0.0.1/8``); None for a valid CIDR or a non-CIDR."""
    net = cidr_network(text)
    if net is None or not isinstance(text, str):
        return None
    if text.strip().startswith("/"):
        return f"has no address (judged as {net})"
    try:
        ipaddress.ip_network(text.strip())
    except ValueError:
        return f"has host bits set (judged as {net})"
    return None


def is_private(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """Entirely inside RFC 1918 / CGNAT / loopback / link-local (or IPv6 ULA and friends)."""
    ranges = RESERVED_V4 if net.version == 4 else PRIVATE_V6
    return any(net.subnet_of(r) for r in ranges)  # type: ignore[arg-type]


def is_private_source(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """Inside a private network hosts send from: RFC 1918, CGNAT, loopback, link-local
    (IPv6 ULA...); not 0.0.0.0/8 nor multicast, which are reserved but not networks."""
    ranges = PRIVATE_V4 if net.version == 4 else PRIVATE_V6
    return any(net.subnet_of(r) for r in ranges)  # type: ignore[arg-type]


def covers_public(net: ipaddress.IPv4Network | ipaddress.IPv6Network, max_prefix: int) -> bool:
    """Admits the whole internet or a part of it at least as wide as ``/max_prefix``."""
    limit = max_prefix if net.version == 4 else max_prefix * 4
    return net.prefixlen <= limit and not is_private(net)
