"""Interval algebra for addresses and ports: sorted, merged integer spans.

Sets of sources and ports are never enumerated: a CIDR is one span of integers, a port range
another, and union / intersection / difference walk the span lists. "The internet" is the
public address space, which ``cidrs.is_private`` defines (one source of truth for both).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import Any

from iacscan.graph.cidrs import PRIVATE_V6, RESERVED_V4

Span = tuple[int, int]  # inclusive bounds
Spans = tuple[Span, ...]  # sorted, disjoint, merged

FULL: dict[int, Spans] = {4: ((0, 2**32 - 1),), 6: ((0, 2**128 - 1),)}
EPHEMERAL: Span = (1024, 65535)


# -- interval algebra ---------------------------------------------------------------------------
def spans(items: Iterable[Span]) -> Spans:
    """Sorted, merged spans; empty or inverted spans vanish."""
    out: list[list[int]] = []
    for low, high in sorted(items):
        if low > high:
            continue
        if out and low <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], high)
        else:
            out.append([low, high])
    return tuple((a, b) for a, b in out)


def union(a: Spans, b: Spans) -> Spans:
    return spans(a + b)


def intersect(a: Spans, b: Spans) -> Spans:
    if not a or not b:
        return ()
    # One span covering the other side whole (the neutral element, a full port range, the
    # whole internet): the analysis intersects such pairs most of the time.
    if len(a) == 1 and a[0][0] <= b[0][0] and b[-1][1] <= a[0][1]:
        return b
    if len(b) == 1 and b[0][0] <= a[0][0] and a[-1][1] <= b[0][1]:
        return a
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if low <= high:
            out.append((low, high))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract(a: Spans, b: Spans) -> Spans:
    out = []
    for first, high in a:
        low = first
        for cut_low, cut_high in b:
            if cut_high < low or cut_low > high:
                continue
            if cut_low > low:
                out.append((low, cut_low - 1))
            low = cut_high + 1
            if low > high:
                break
        if low <= high:
            out.append((low, high))
    return tuple(out)


def span_text(span: Span) -> str:
    """``22`` or ``8000-8080``: one port interval as reports print it."""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def ports_text(items: Iterable[Span]) -> str:
    """``22,443,8000-8080``: several port intervals, sorted."""
    return ",".join(span_text(span) for span in sorted(items))


def network_spans(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Spans:
    return ((int(net.network_address), int(net.broadcast_address)),)


def cidr_spans(text: Any, family: int) -> Spans | None:
    """The addresses of a CIDR of ``family``; empty for the other family, None if malformed.
    Parsed once per text: the lateral analysis asks about the same few CIDRs per pair."""
    return _cidr_spans(str(text).strip(), family)


@functools.lru_cache(maxsize=8192)
def _cidr_spans(text: str, family: int) -> Spans | None:
    try:
        net = ipaddress.ip_network(f"0.0.0.0{text}" if text.startswith("/") else text, strict=False)
    except ValueError:
        return None
    return network_spans(net) if net.version == family else ()


def to_cidrs(items: Spans, family: int) -> tuple[str, ...]:
    """The fewest CIDRs that cover exactly ``items``."""
    make = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    return tuple(
        str(net)
        for low, high in items
        for net in ipaddress.summarize_address_range(make(low), make(high))
    )


def _internet(family: int) -> Spans:
    """Public address space: what ``cidrs.is_private`` does not call private."""
    reserved = RESERVED_V4 if family == 4 else PRIVATE_V6
    return subtract(FULL[family], spans(s for net in reserved for s in network_spans(net)))


INTERNET: dict[int, Spans] = {4: _internet(4), 6: _internet(6)}
INTERNET_BOTH: Spans = ((0, 2**128 - 1),)  # the neutral element of intersection
