"""The view model behind every export: containment, verdicts, selection, collapsing, and
the ``iacscan graph`` options that drive them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, load_fixture

from iacscan.cli import main
from iacscan.explain import UnknownAddress
from iacscan.export import EXPORTERS
from iacscan.export.view import build_view
from iacscan.export.viewmodel import ViewOptions
from iacscan.graph.facts import analyze

MODULES = {
    "main.tf": 'module "net" {\n  source = "./modules/net"\n  count  = 2\n'
    '  cidr   = "10.${count.index}.0.0/16"\n}\n'
    'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n',
    "modules/net/main.tf": 'variable "cidr" {\n  type = string\n}\n'
    'resource "aws_vpc" "this" {\n  cidr_block = var.cidr\n}\n'
    'resource "aws_subnet" "this" {\n  count      = 3\n  vpc_id     = aws_vpc.this.id\n'
    "  cidr_block = cidrsubnet(var.cidr, 8, count.index)\n}\n",
}


@pytest.fixture(scope="module")
def graph():
    return load_fixture("graph").graph


def test_containment_vpc_subnet_workload_and_compose(graph):
    view = build_view(analyze(graph))
    parents = {n.id: n.parent for n in view.nodes if n.parent}
    assert {k: v for k, v in parents.items() if "shop:aws_vpc.main" not in (k, v)} == {
        "shop:aws_instance.app[0]": "shop:aws_subnet.private[0]",
        "shop:aws_instance.app[1]": "shop:aws_subnet.private[1]",
        "shop:aws_instance.bastion": "shop:aws_subnet.public[0]",
        "host:tools": "project:tools",  # the project's host, for its loopback binds
        "tools:network.back": "project:tools",
        "tools:network.front": "project:tools",
        "tools:service.api": "project:tools",  # two networks: the project
        "tools:service.db": "tools:network.back",
        "tools:service.proxy": "tools:network.front",
    }
    # an association is drawn where everything it references is: the VPC
    assert parents["shop:aws_route_table_association.public[0]"] == "shop:aws_vpc.main"
    assert parents["shop:aws_lb.web"] == "shop:aws_vpc.main"  # two subnets: their VPC
    assert parents["shop:aws_db_subnet_group.main"] == "shop:aws_vpc.main"
    assert "shop:aws_vpc.main" not in parents


def test_verdicts_count_load_balancer_chains(graph):
    verdicts = {n.id: n.verdict for n in build_view(analyze(graph)).nodes if n.verdict}
    assert verdicts == {
        "shop:aws_db_instance.orders": "CLOSED",
        "shop:aws_instance.app[0]": "OPEN",  # behind the internet-facing ALB
        "shop:aws_instance.app[1]": "OPEN",
        "shop:aws_instance.bastion": "RESTRICTED",  # the office CIDR only
        "shop:aws_lb.web": "OPEN",
        "tools:service.api": "CLOSED",
        "tools:service.db": "CLOSED",  # 127.0.0.1 bind
        "tools:service.proxy": "OPEN",
    }


def test_compose_flows_from_the_internet_and_between_services(graph):
    flows = sorted(
        (e.source, e.target, e.attribute, e.via)
        for e in build_view(analyze(graph)).edges
        if e.kind == "reaches" and "tools" in e.target
    )
    assert flows == [
        ("host:tools", "tools:service.db", "tcp 5432 (loopback)", ""),  # 127.0.0.1:5432
        ("internet", "tools:service.proxy", "IPv4 tcp 80,443", ""),
        ("internet", "tools:service.proxy", "IPv6 tcp 80,443", ""),
        ("tools:service.api", "tools:service.db", "all ports", "network.back"),
        ("tools:service.api", "tools:service.proxy", "all ports", "network.front"),
        ("tools:service.db", "tools:service.api", "all ports", "network.back"),
        ("tools:service.proxy", "tools:service.api", "all ports", "network.front"),
    ]


def test_layers_select_edge_kinds(graph):
    facts = analyze(graph)

    def kinds(layers):
        return {e.layer for e in build_view(facts, (), ViewOptions(edges=layers)).edges}

    assert kinds(("flows",)) == {"flows"}
    assert kinds(("references", "relations")) == {"references", "relations"}


def test_focus_keeps_the_neighbourhood_and_its_boxes(graph):
    view = build_view(
        analyze(graph), (), ViewOptions(focus="shop:aws_lb.web", depth=1, edges=("flows",))
    )
    assert [n.id for n in view.nodes] == [
        "internet",
        "shop:aws_instance.app[0]",
        "shop:aws_instance.app[1]",
        "shop:aws_instance.bastion",
        "shop:aws_lb.web",
        "shop:aws_subnet.private[0]",
        "shop:aws_subnet.private[1]",
        "shop:aws_subnet.public[0]",
        "shop:aws_vpc.main",
    ]
    with pytest.raises(UnknownAddress):
        build_view(analyze(graph), (), ViewOptions(focus="aws_lb.nope"))


def test_exposure_only_and_redact(graph):
    view = build_view(analyze(graph), (), ViewOptions(exposure_only=True, redact=True))
    assert {e.kind for e in view.edges} == {"reaches"}
    assert "shop:aws_security_group.app" not in view.index
    document = json.loads(EXPORTERS["json"](view))
    bastion = next(n for n in document["nodes"] if n["id"] == "shop:aws_instance.bastion")
    assert bastion["attributes"] == {
        "ami": "string",
        "instance_type": "string",
        "subnet_id": {"ref": "aws_subnet.public[0].id"},
        "vpc_security_group_ids": [{"ref": "aws_security_group.bastion.id"}],
    }
    assert "203.0.113.0/24" not in EXPORTERS["html"](view)


def test_instances_collapse_with_count_worst_verdict_and_merged_edges(graph):
    view = build_view(analyze(graph), (), ViewOptions(collapse_instances=True))
    app = view.index["shop:aws_instance.app"]
    assert (app.kind, app.count, app.verdict, app.parent) == (
        "instances",
        2,
        "OPEN",
        "shop:aws_subnet.private",
    )
    assert app.members == ("shop:aws_instance.app[0]", "shop:aws_instance.app[1]")
    lb_to_app = [e for e in view.edges if (e.source, e.target) == ("shop:aws_lb.web", app.id)]
    assert [(e.kind, e.attribute) for e in lb_to_app] == [("reaches", "tcp 8080")]


def test_modules_collapse_and_large_exports_start_collapsed(tmp_path):
    for name, text in MODULES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = load_fixture(str(tmp_path)).graph
    modules = build_view(analyze(graph), (), ViewOptions(collapse_modules=True))
    assert [(n.id, n.kind, n.count) for n in modules.nodes] == [
        ("aws_s3_bucket.logs", "resource", 1),
        ("module.net", "modules", 8),
    ]
    auto = build_view(analyze(graph), (), ViewOptions(auto_collapse=5))
    assert auto.collapsed == ("instances",)
    assert len(auto.nodes) == 5
    assert build_view(analyze(graph), (), ViewOptions(auto_collapse=4)).collapsed == (
        "instances",
        "modules",
    )


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_options_reach_the_view():
    path = str(FIXTURES / "graph")
    result = run(
        "graph",
        path,
        "--format",
        "mermaid",
        "--exposure-only",
        "--collapse-instances",
        "--no-cache",
        "--no-findings",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart LR\n")
    assert '["aws_instance.app<br/>aws_instance x2"]' in result.stdout
    assert "worst finding" not in result.stdout
    focus = run("graph", path, "--focus", "aws_vpc.nope", "--no-cache")
    assert focus.exit_code == 2
    assert focus.stderr.startswith("iacscan: no resource 'aws_vpc.nope'")
    bad = run("graph", path, "--edges", "flows,wires")
    assert bad.exit_code == 2
    assert "choose from references, relations, flows" in bad.stderr


def test_cli_writes_html_to_a_file(tmp_path):
    out = tmp_path / "graph.html"
    result = run(
        "graph",
        str(FIXTURES / "graph"),
        "--format",
        "html",
        "-o",
        str(out),
        "--focus",
        "tools:service.proxy",
        "--depth",
        "2",
        "--no-cache",
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert 'data-id="tools:service.proxy"' in text
    assert "shop:" not in text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
