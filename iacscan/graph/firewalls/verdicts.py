"""From per-cell bounds to the verdict rows every consumer of the AWS analysis already reads.

GCP and Azure workloads get the same ``Verdict`` type as AWS ones (OPEN, RESTRICTED, CLOSED,
UNDETERMINED per family, protocol and port interval, with path, blockers and unknowns), so
rules, ``explain``, SARIF code flows and the exports need no cloud-specific code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from iacscan.graph.network.components import Part
from iacscan.graph.network.exposure import Verdict
from iacscan.graph.network.sets import INTERNET, Span, Spans, intersect, subtract, to_cidrs, union

Cell = Callable[[int, str, Span], Part]


def gate_part(public: bool | str, family: int, code: str, step: str) -> Part:
    """A public address: True, False, or the text of why it is unknown."""
    everyone = INTERNET[family]
    if public is True:
        return Part(everyone, everyone, (step,))
    if public is False:
        return Part((), (), (), (code,))
    return Part((), everyone, (step,), unknowns=(public,))


def both(parts: Sequence[Part], workload: str) -> Part:
    """A flow needs every part: intersect the bounds; keep the path or the blockers."""
    low: Spans = ((0, 2**128 - 1),)
    high = low
    for part in parts:
        low, high = intersect(low, part.low), intersect(high, part.high)
    if high:
        path = ("internet", *(s for p in parts for s in p.path), workload)
        unknowns = tuple(u for p in parts if p.low != p.high for u in p.unknowns)
        return Part(low, high, path, (), unknowns)
    blocks = tuple(code for p in parts if not p.high for code in p.blocks)
    return Part((), (), (), blocks or ("SOURCES_DISJOINT",))


def either(parts: Sequence[Part]) -> Part:
    """Several interfaces: the workload is reachable through any of them."""
    low: Spans = ()
    high: Spans = ()
    for part in parts:
        low, high = union(low, part.low), union(high, part.high)
    if not high:
        return Part((), (), (), tuple(dict.fromkeys(b for p in parts for b in p.blocks)))
    path = next(p.path for p in sorted(parts, key=lambda p: not p.low) if p.high)
    unknowns = tuple(dict.fromkeys(u for p in parts for u in p.unknowns))
    return Part(low, high, path, (), unknowns if low != high else ())


def verdict_rows(
    workload: str, cell: Cell, cuts: list[Span], families: tuple[int, ...] = (4, 6)
) -> list[Verdict]:
    """Verdicts per family, protocol and port interval, neighbours with equal rows joined."""
    rows: list[Verdict] = []
    for family in families:
        for protocol in ("tcp", "udp"):
            last: Verdict | None = None
            for span in cuts:
                row = _row(workload, family, protocol, span, cell(family, protocol, span))
                if last is not None and _same(last, row) and last.ports[1] + 1 == span[0]:
                    last = rows[-1] = replace(last, ports=(last.ports[0], span[1]))
                    continue
                rows.append(row)
                last = row
    return rows


def _row(workload: str, family: int, protocol: str, span: Span, part: Part) -> Verdict:
    if not part.high:
        return Verdict(workload, family, protocol, span, "CLOSED", (), (), part.blocks)
    whole = not subtract(INTERNET[family], part.high)
    shown = ("0.0.0.0/0" if family == 4 else "::/0",) if whole else to_cidrs(part.high, family)
    name = ("OPEN" if whole else "RESTRICTED") if part.low == part.high else "UNDETERMINED"
    return Verdict(workload, family, protocol, span, name, shown, part.path, (), part.unknowns)


def _same(a: Verdict, b: Verdict) -> bool:
    return (a.verdict, a.sources, a.path, a.blocked_by, a.unknowns) == (
        b.verdict,
        b.sources,
        b.path,
        b.blocked_by,
        b.unknowns,
    )
