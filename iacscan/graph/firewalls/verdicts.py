"""From per-cell bounds to the verdict rows every consumer of the AWS analysis already reads.

GCP and Azure workloads get the same ``Verdict`` type as AWS ones (OPEN, RESTRICTED, CLOSED,
UNDETERMINED per family, protocol and port interval, with path, blockers and unknowns), built
by the AWS analysis's own ``combine``/``either``/``verdict``/``merge_rows``, so rules,
``explain``, SARIF code flows and the exports need no cloud-specific code.
"""

from __future__ import annotations

from collections.abc import Callable

from iacscan.graph.network.components import Part, gate
from iacscan.graph.network.exposure import Verdict, merge_rows, verdict
from iacscan.graph.network.sets import Span
from iacscan.model.values import Unknown

Cell = Callable[[int, str, Span], Part]


def gate_part(public: bool | str, family: int, code: str, step: str) -> Part:
    """A public address: True, False, or the text of why it is unknown."""
    value = Unknown(public) if isinstance(public, str) else public
    return gate(value, family, code, (step,))


def verdict_rows(
    workload: str, cell: Cell, cuts: list[Span], families: tuple[int, ...] = (4, 6)
) -> list[Verdict]:
    """Verdicts per family, protocol and port interval, neighbours with equal rows joined."""
    rows: list[Verdict] = []
    for family in families:
        for protocol in ("tcp", "udp"):
            cells = [
                verdict(workload, family, protocol, s, cell(family, protocol, s)) for s in cuts
            ]
            rows += merge_rows(cells)
    return rows
