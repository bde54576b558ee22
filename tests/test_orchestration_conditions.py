"""The ``lacks`` operator the orchestration rules added: ``contains`` negated, with a path.

``not: {contains}`` loses the path of what it judged (a FALSE outcome carries none), so a
finding could not point at the container's ``drop`` list; ``lacks`` keeps it, and an unset
attribute lacks everything.
"""

from __future__ import annotations

import networkx as nx
import pytest

from iacscan.model.values import Unknown
from iacscan.rules.compiler import compile_condition
from iacscan.rules.conditions import Subject, Tri

LACKS_ALL = compile_condition({"attribute": "capabilities[*].drop", "lacks": "ALL"})


@pytest.mark.parametrize(
    ("attrs", "value", "path", "evidence"),
    [
        ({"capabilities": [{"drop": ["ALL"]}]}, Tri.FALSE, "", ()),
        (
            {"capabilities": [{"drop": ["NET_RAW"]}]},
            Tri.TRUE,
            "c.capabilities[0].drop",
            ('c.capabilities[0].drop does not contain "ALL"',),
        ),
        (
            {"capabilities": [{}]},
            Tri.TRUE,
            "c.capabilities[0].drop",
            ("c.capabilities[0].drop is not set",),
        ),
        ({}, Tri.TRUE, "c.capabilities", ("c.capabilities is not set",)),
        (
            {"capabilities": [{"drop": [Unknown("var")]}]},
            Tri.UNKNOWN,
            "c.capabilities[0].drop",
            ('c.capabilities[0].drop = ["(unknown: var)"]',),
        ),
    ],
)
def test_lacks(attrs: dict, value: Tri, path: str, evidence: tuple[str, ...]) -> None:
    outcome = LACKS_ALL(Subject("n", "t", attrs, "n", "c."), nx.MultiDiGraph())
    assert (outcome.value, outcome.path, outcome.evidence) == (value, path, evidence)
