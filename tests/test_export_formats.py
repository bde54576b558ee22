"""Graph exports: exact output of every format for ``fixtures/graph``, plus format checks.

Golden files live in ``tests/data/export/``; after an intended output change, regenerate
them with ``IACSCAN_UPDATE_GOLDEN=1 python -m pytest tests/test_export_formats.py`` and
review the diff like code. The fixture is a VPC (public and private subnets, an ALB, app
instances behind it, a bastion, RDS) and a compose project (a public proxy, an API on two
networks, a database bound to loopback).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from conftest import scan_fixture

from iacscan.export import EXPORTERS
from iacscan.export.view import build_view
from iacscan.export.viewmodel import View, ViewOptions

GOLDEN = Path(__file__).resolve().parent / "data" / "export"
UPDATE = os.environ.get("IACSCAN_UPDATE_GOLDEN") == "1"
EXTENSIONS = {
    "json": "json",
    "dot": "dot",
    "graphml": "graphml",
    "cytoscape": "cyjs",
    "mermaid": "mmd",
    "html": "html",
}
VARIANTS = {
    "default": ViewOptions(),
    "exposure": ViewOptions(exposure_only=True, collapse_instances=True),
    "focus": ViewOptions(focus="shop:aws_db_instance.orders", depth=1, redact=True),
}


@pytest.fixture(scope="module")
def scanned():
    return scan_fixture("graph")


@pytest.fixture(scope="module")
def views(scanned) -> dict[str, View]:
    return {name: build_view(scanned.facts, scanned.findings, o) for name, o in VARIANTS.items()}


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with IACSCAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_golden_output(views, fmt, variant):
    check_golden(f"{variant}.{EXTENSIONS[fmt]}", EXPORTERS[fmt](views[variant]))


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_byte_identical_from_a_fresh_load(views, fmt):
    again = scan_fixture("graph")
    view = build_view(again.facts, again.findings)
    assert EXPORTERS[fmt](view) == EXPORTERS[fmt](views["default"])


def test_graphml_parses_back_with_every_node_and_edge(views):
    view = views["default"]
    graph = nx.parse_graphml(EXPORTERS["graphml"](view), force_multigraph=True)
    assert sorted(graph.nodes) == [n.id for n in view.nodes]
    edges = sorted((a, b, d["kind"], d.get("label", "")) for a, b, d in graph.edges(data=True))
    assert edges == sorted((e.source, e.target, e.kind, e.attribute) for e in view.edges)
    lb = graph.nodes["shop:aws_lb.web"]
    assert (lb["parent"], lb["verdict"], lb["count"], lb["line"]) == (
        "shop:aws_vpc.main",
        "OPEN",
        1,
        1,
    )
    assert graph.nodes["tools:service.proxy"]["parent"] == "tools:network.front"


NODE = re.compile(r'^(internet|n\d+)(\(\(|\[)"[^"]*"(\)\)|\])$')
SUBGRAPH = re.compile(r'^subgraph (n\d+)\["[^"]*"\]$')
EDGE = re.compile(r'^(internet|n\d+) (-->|==>|-\.->)(\|"[^"]*"\|)? (internet|n\d+)$')
CLASSDEF = re.compile(r"^classDef (\w+) [\w#:,.\- ]+$")
CLASS = re.compile(r"^class ((?:internet|n\d+)(?:,(?:internet|n\d+))*) (\w+)$")


def mermaid_structure(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Check Mermaid flowchart syntax line by line; return the declared ids and the edges.

    Every line must be a header, node, subgraph, ``end``, edge, classDef or class
    statement; subgraphs must balance; edges and classes may only use declared ids; no id
    is declared twice; edges come after every declaration, classes use defined classes."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared: list[str] = []
    edges: list[tuple[str, str]] = []
    classes: set[str] = set()
    depth = 0
    for line in lines[1:]:
        body = line.strip()
        assert line.startswith("  " * max(depth, 1)), line
        if (m := SUBGRAPH.match(body)) is not None:
            declared.append(m.group(1))
            depth += 1
        elif body == "end":
            depth -= 1
            assert depth >= 0, "end without subgraph"
        elif (m := NODE.match(body)) is not None:
            assert not edges, "node declared after edges"
            declared.append(m.group(1))
        elif (m := EDGE.match(body)) is not None:
            assert m.group(1) in declared and m.group(4) in declared, body
            edges.append((m.group(1), m.group(4)))
        elif (m := CLASSDEF.match(body)) is not None:
            classes.add(m.group(1))
        elif (m := CLASS.match(body)) is not None:
            assert m.group(2) in classes and set(m.group(1).split(",")) <= set(declared), body
        else:
            raise AssertionError(f"not Mermaid flowchart syntax: {line!r}")
    assert depth == 0, "unclosed subgraph"
    assert len(declared) == len(set(declared)), "an id is declared twice"
    return set(declared), edges


def test_mermaid_is_structurally_valid(views):
    for view in views.values():
        mermaid_structure(EXPORTERS["mermaid"](view))


def test_mermaid_exposure_only_keeps_just_internet_reachable_paths(views):
    declared, edges = mermaid_structure(EXPORTERS["mermaid"](views["exposure"]))
    assert len(declared) == 14  # internet, 2 projects/VPCs, 3 networks/subnets, 8 workloads
    assert len(edges) == 12
    labels = {n.label for n in views["exposure"].nodes}
    assert "aws_security_group.app" not in labels
    assert {"aws_instance.app", "aws_db_instance.orders", "service.db"} <= labels


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_is_accepted_by_graphviz(views, tmp_path):
    for name, view in views.items():
        source = tmp_path / f"{name}.dot"
        source.write_text(EXPORTERS["dot"](view), encoding="utf-8")
        done = subprocess.run(
            ["dot", "-Tsvg", str(source)], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert "<svg" in done.stdout and "cluster_0" in done.stdout


def test_json_keeps_the_node_link_keys_and_adds_the_view(views):
    document = json.loads(EXPORTERS["json"](views["default"]))
    assert set(document) == {"nodes", "edges", "containment", "verdicts", "collapsed"}
    lb = next(n for n in document["nodes"] if n["id"] == "shop:aws_lb.web")
    assert set(lb) == {
        "id",
        "address",
        "type",
        "mode",
        "module",
        "root",
        "file",
        "line",
        "end_line",
        "multiplicity_unknown",
        "attributes",
    }
    assert document["containment"]["shop:aws_instance.app[0]"] == "shop:aws_subnet.private[0]"
    assert document["verdicts"]["shop:aws_instance.bastion"] == {"exposure": "RESTRICTED"}
