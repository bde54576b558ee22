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


def cidr_network(text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def is_private(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """Entirely inside RFC 1918 / CGNAT / loopback / link-local (or IPv6 ULA and friends)."""
    ranges = RESERVED_V4 if net.version == 4 else PRIVATE_V6
    return any(net.subnet_of(r) for r in ranges)  # type: ignore[arg-type]


def covers_public(net: ipaddress.IPv4Network | ipaddress.IPv6Network, max_prefix: int) -> bool:
    """Admits the whole internet or a part of it at least as wide as ``/max_prefix``."""
    limit = max_prefix if net.version == 4 else max_prefix * 4
    return net.prefixlen <= limit and not is_private(net)
