"""IP network functions (go-cidr semantics, IPv4 and IPv6)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from iacscan.terraform.functions._core import FunctionError, _Spec, _string, _whole


@dataclass(frozen=True)
class _Cidr:
    address: int  # the network address (host bits cleared)
    prefix: int
    bits: int  # 32 or 128

    def text(self, address: int | None = None) -> str:
        value = self.address if address is None else address
        ip = ipaddress.IPv4Address(value) if self.bits == 32 else ipaddress.IPv6Address(value)
        return str(ip)


def _parse_cidr(value: Any) -> _Cidr:
    """Like Go's net.ParseCIDR, which Terraform extends to accept IPv4 octets like ``010``."""
    text = _string(value)
    address, _, prefix = text.partition("/")
    if "." in address and ":" not in address:
        octets = address.split(".")
        if all(o.isdigit() for o in octets):
            address = ".".join(str(int(o)) for o in octets)
    try:
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        if not prefix.isdigit():
            raise ValueError(text)
    except ValueError:
        raise FunctionError(f"invalid CIDR expression: invalid CIDR address: {text}") from None
    return _Cidr(int(network.network_address), network.prefixlen, network.max_prefixlen)


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    network, host = _parse_cidr(prefix), _whole(hostnum)
    size = 1 << (network.bits - network.prefix)
    if host < 0:
        host += size
    if not 0 <= host < size:
        raise FunctionError(
            f"prefix of {network.prefix} does not accommodate a host numbered {host}"
        )
    return network.text(network.address | host)


def _cidrnetmask(prefix: Any) -> str:
    network = _parse_cidr(prefix)
    if network.bits != 32:
        raise FunctionError(f"IPv6 addresses cannot have a netmask: {_string(prefix)}")
    mask = ((1 << network.prefix) - 1) << (32 - network.prefix)
    return str(ipaddress.IPv4Address(mask))


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    network, extra, number = _parse_cidr(prefix), _whole(newbits), _whole(netnum)
    length = network.prefix + extra
    if extra < 0 or length > network.bits:
        raise FunctionError(
            f"insufficient address space to extend prefix of {network.prefix} by {extra}"
        )
    if number < 0:
        raise FunctionError("the subnet number must not be negative")
    if number >= 1 << extra:
        raise FunctionError(
            f"prefix extension of {extra} does not accommodate a subnet numbered {number}"
        )
    address = network.address | (number << (network.bits - length))
    return f"{network.text(address)}/{length}"


def _mask(bits: int, length: int) -> int:
    return ((1 << length) - 1) << (bits - length) if length else 0


def _next_subnet(current: _Cidr, length: int) -> tuple[_Cidr, bool]:
    """go-cidr NextSubnet: the block of ``length`` bits after the one holding current's end."""
    top = (1 << current.bits) - 1
    last = current.address | (top >> current.prefix if current.prefix else top)
    start = last & _mask(current.bits, length)
    following = (start | (top >> length if length else top)) + 1
    rollover = following > top
    following &= top
    return _Cidr(following & _mask(current.bits, length), length, current.bits), rollover


def _cidrsubnets(prefix: Any, *newbits: Any) -> list[str]:
    """Terraform's sequential allocation, including its quirks (see go-cidr Previous/Next)."""
    network = _parse_cidr(prefix)
    if not newbits:
        return []
    first = min(max(network.prefix + _whole(newbits[0]), 0), network.bits)
    previous = (network.address - 1) & ((1 << network.bits) - 1)
    current = _Cidr(previous & _mask(network.bits, first), first, network.bits)
    result = []
    for extra in (_whole(n) for n in newbits):
        if extra < 1:
            raise FunctionError("must extend prefix by at least one bit")
        if extra > 32:
            raise FunctionError("may not extend prefix by more than 32 bits")
        length = network.prefix + extra
        if length > network.bits:
            family = "IPv4" if network.bits == 32 else "IPv6"
            raise FunctionError(
                f"would extend prefix to {length} bits, which is too long for an {family} address"
            )
        following, rollover = _next_subnet(current, length)
        outside = following.address & _mask(network.bits, network.prefix) != network.address
        if rollover or outside:
            raise FunctionError(
                f"not enough remaining address space for a subnet with a prefix of {length} bits "
                f"after {current.text()}/{current.prefix}"
            )
        current = following
        result.append(f"{current.text()}/{current.prefix}")
    return result


FUNCTIONS: dict[str, _Spec] = {
    "cidrhost": _Spec(_cidrhost, 2, 2),
    "cidrnetmask": _Spec(_cidrnetmask, 1, 1),
    "cidrsubnet": _Spec(_cidrsubnet, 3, 3),
    "cidrsubnets": _Spec(_cidrsubnets, 1, None),
}
