"""`iacscan graph`: exact output, errors on stderr, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import FIXTURES

from iacscan.cli import main

SMALL = """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
}
"""


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_graph_json_exact(tmp_path):
    (tmp_path / "main.tf").write_text(SMALL)
    result = run("graph", str(tmp_path), "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["nodes"] == [
        {
            "id": "aws_subnet.a",
            "address": "aws_subnet.a",
            "type": "aws_subnet",
            "mode": "managed",
            "module": "",
            "root": ".",
            "file": "main.tf",
            "line": 5,
            "end_line": 8,
            "multiplicity_unknown": False,
            "attributes": {"vpc_id": {"ref": "aws_vpc.main.id"}, "cidr_block": "10.0.1.0/24"},
        },
        {
            "id": "aws_vpc.main",
            "address": "aws_vpc.main",
            "type": "aws_vpc",
            "mode": "managed",
            "module": "",
            "root": ".",
            "file": "main.tf",
            "line": 1,
            "end_line": 3,
            "multiplicity_unknown": False,
            "attributes": {"cidr_block": "10.0.0.0/16"},
        },
    ]
    assert document["edges"] == [
        {
            "source": "aws_subnet.a",
            "target": "aws_vpc.main",
            "kind": "in_vpc",
            "attribute": "vpc_id",
        },
        {
            "source": "aws_subnet.a",
            "target": "aws_vpc.main",
            "kind": "references",
            "attribute": "vpc_id",
        },
    ]


def test_graph_dot_exact(tmp_path):
    (tmp_path / "main.tf").write_text(SMALL)
    result = run("graph", str(tmp_path), "--format", "dot", "--no-cache", "--no-findings",
                 "--edges", "references,relations")  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout == (
        "digraph iacscan {\n"
        "  rankdir=LR;\n"
        '  node [shape=box, fontname="Helvetica"];\n'
        "  subgraph cluster_0 {\n"
        '    label="aws_vpc.main"; style="rounded"; color="#5b7fa6";\n'
        '    "aws_vpc.main" [label="aws_vpc.main\\naws_vpc"];\n'
        '    "aws_subnet.a" [label="aws_subnet.a\\naws_subnet"];\n'
        "  }\n"
        '  "aws_subnet.a" -> "aws_vpc.main" [label="vpc_id", color="gray60"];\n'
        "}\n"
    )


def test_output_is_byte_identical_between_runs(tmp_path):
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    network = str(FIXTURES / "terraform/eval/network")
    assert run("graph", network, "-o", str(out1)).exit_code == 0
    assert run("graph", network, "-o", str(out2), "--no-cache").exit_code == 0
    assert out1.read_bytes() == out2.read_bytes()


def test_errors_go_to_stderr_and_the_graph_is_still_written():
    result = run("graph", str(FIXTURES / "terraform/eval/parse_error"), "--no-cache")
    assert result.exit_code == 0
    assert result.stderr == "iacscan: broken.tf:5: unexpected '}' at column 3\n"
    assert [n["id"] for n in json.loads(result.stdout)["nodes"]] == [
        "aws_security_group.still_loaded"
    ]


def test_nothing_readable_exits_2(tmp_path):
    (tmp_path / "bad.tf").write_text("resource {\n")
    result = run("graph", str(tmp_path), "--no-cache")
    assert result.exit_code == 2
    missing = run("graph", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert "path does not exist" in missing.stderr


def test_var_option_and_var_file(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "cidr" {\n  type = string\n}\nvariable "n" {\n  type = number\n}\n'
        'resource "aws_vpc" "v" {\n  count = var.n\n  cidr_block = var.cidr\n}\n'
    )
    (tmp_path / "x.tfvars").write_text('cidr = "10.1.0.0/16"\n')
    result = run(
        "graph",
        str(tmp_path),
        "--var-file",
        str(tmp_path / "x.tfvars"),
        "--var",
        "n=2",
        "--no-cache",
    )
    nodes = {n["id"]: n["attributes"] for n in json.loads(result.stdout)["nodes"]}
    assert nodes == {
        "aws_vpc.v[0]": {"cidr_block": "10.1.0.0/16"},
        "aws_vpc.v[1]": {"cidr_block": "10.1.0.0/16"},
    }
    bad = run("graph", str(tmp_path), "--var", "novalue")
    assert bad.exit_code == 2


DB_RULE = "aws_security_group_rule.db_from_web"


def test_graph_export_has_the_internet_node_and_reaches_edges():
    result = run("graph", str(FIXTURES / "example"), "--no-cache")
    document = json.loads(result.stdout)
    assert {"id": "internet", "type": "internet", "synthetic": True} in document["nodes"]
    reaches = [e for e in document["edges"] if e["kind"] == "reaches"]
    web_rules = "aws_security_group.web.ingress[0], aws_security_group.web.ingress[1]"
    lateral = [
        ("aws_instance.web[0]", "aws_db_instance.orders", "tcp 5432", DB_RULE),
        ("aws_instance.web[0]", "aws_instance.web[1]", "tcp 22,443", web_rules),
        ("aws_instance.web[1]", "aws_db_instance.orders", "tcp 5432", DB_RULE),
        ("aws_instance.web[1]", "aws_instance.web[0]", "tcp 22,443", web_rules),
    ]
    assert reaches == [
        {"source": a, "target": b, "kind": "reaches", "attribute": ports, "via": via,
         "verdict": "OPEN"}
        for a, b, ports, via in lateral
    ] + [
        {
            "source": "internet",
            "target": f"aws_instance.web[{i}]",
            "kind": "reaches",
            "attribute": "IPv4 tcp 22,443",
            "verdict": "OPEN",
        }
        for i in (0, 1)
    ]  # fmt: skip
    dot = run("graph", str(FIXTURES / "example"), "--format", "dot", "--no-cache").stdout
    assert (
        '  "internet" -> "aws_instance.web[0]" [label="IPv4 tcp 22,443", color="red", penwidth=2];\n'
        in dot
    )


def test_graph_format_choices_are_the_exporters():
    from iacscan.cli import GRAPH_FORMATS
    from iacscan.export import EXPORTERS

    assert tuple(sorted(EXPORTERS)) == GRAPH_FORMATS
