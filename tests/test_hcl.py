"""The HCL adapter: our nodes, source lines of every block and attribute, and comments."""

from __future__ import annotations

import pytest

from iacscan.terraform import ast
from iacscan.terraform.hcl import HclSyntaxError, parse_expression, parse_hcl

SOURCE = """\
# iacscan:ignore IAC-AWS-SG-001 reviewed
resource "aws_security_group" "web" {
  name = "web"   // trailing comment

  ingress {
    from_port   = 22
    cidr_blocks = [
      "0.0.0.0/0",
    ]
  }

  egress {
    from_port = 0
  }
}

data "aws_vpc" "main" {}
"""


def test_blocks_keep_their_lines():
    parsed = parse_hcl(SOURCE, "main.tf")
    resource, data = parsed.body.blocks
    assert (resource.type, resource.labels, resource.line, resource.end_line) == (
        "resource",
        ("aws_security_group", "web"),
        2,
        15,
    )
    ingress, egress = resource.body.blocks
    assert (ingress.type, ingress.line, ingress.end_line) == ("ingress", 5, 10)
    assert (egress.type, egress.line, egress.end_line) == ("egress", 12, 14)
    assert (data.line, data.end_line) == (17, 17)


def test_attributes_keep_start_and_end_lines():
    resource = parse_hcl(SOURCE, "main.tf").body.blocks[0]
    ingress = resource.body.blocks[0]
    cidr = ingress.body.attributes["cidr_blocks"]
    assert (cidr.line, cidr.end_line) == (7, 9)
    assert cidr.expr == ast.TupleExpr((ast.Literal("0.0.0.0/0"),))
    assert resource.body.attributes["name"].line == 3


def test_comments_are_kept_for_suppressions():
    parsed = parse_hcl(SOURCE, "main.tf")
    assert parsed.comments == (
        ast.Comment(1, "# iacscan:ignore IAC-AWS-SG-001 reviewed"),
        ast.Comment(3, "// trailing comment"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a * b + c",
            ast.BinaryOp(
                "+", ast.BinaryOp("*", ast.Variable("a"), ast.Variable("b")), ast.Variable("c")
            ),
        ),
        (
            "a + b * c",
            ast.BinaryOp(
                "+", ast.Variable("a"), ast.BinaryOp("*", ast.Variable("b"), ast.Variable("c"))
            ),
        ),
        (
            "a - b - c",
            ast.BinaryOp(
                "-", ast.BinaryOp("-", ast.Variable("a"), ast.Variable("b")), ast.Variable("c")
            ),
        ),
        (
            "a || b ? 1 : 2",
            ast.Conditional(
                ast.BinaryOp("||", ast.Variable("a"), ast.Variable("b")),
                ast.Literal(1),
                ast.Literal(2),
            ),
        ),
        (
            "a == 1 && b",
            ast.BinaryOp(
                "&&", ast.BinaryOp("==", ast.Variable("a"), ast.Literal(1)), ast.Variable("b")
            ),
        ),
        (
            "(a + b) * c",
            ast.BinaryOp(
                "*",
                ast.Parens(ast.BinaryOp("+", ast.Variable("a"), ast.Variable("b"))),
                ast.Variable("c"),
            ),
        ),
        ("-5", ast.Literal(-5)),
        ("!a", ast.UnaryOp("!", ast.Variable("a"))),
    ],
)
def test_operator_precedence_is_repaired(text, expected):
    assert parse_expression(text) == expected


def test_templates_and_directives():
    assert parse_expression('"plain"') == ast.Literal("plain")
    assert parse_expression('"${x}"') == ast.Template((ast.Variable("x"),))
    assert parse_expression('"a\\tb $${lit}"') == ast.Literal("a\tb ${lit}")
    assert parse_expression('"%{ if c }y%{ else }n%{ endif }"') == ast.Template(
        (ast.TemplateIf(ast.Variable("c"), ast.Template(("y",)), ast.Template(("n",))),)
    )


def test_heredoc_with_indent_trim_and_strip_markers():
    source = "x = <<-EOT\n    a ${v}\n    %{ for i in l ~}\n    ${i}\n    %{ endfor ~}\n  EOT\n"
    attr = parse_hcl(source, "h.tf").body.attributes["x"]
    assert (attr.line, attr.end_line) == (1, 6)
    # Strip markers act within their own line, so the loop body keeps its indentation
    # (what Terraform 1.11 renders, checked through a real plan in test_differential).
    loop = ast.TemplateFor(
        None, "i", ast.Variable("l"), ast.Template(("    ", ast.Variable("i"), "\n"))
    )
    assert attr.expr == ast.Template(("a ", ast.Variable("v"), "\n", loop))


def test_splat_index_and_for_expressions():
    assert parse_expression("a.b[*].id") == ast.Splat(
        ast.GetAttr(ast.Variable("a"), "b"), (("attr", "id"),)
    )
    assert parse_expression("a[0].b") == ast.GetAttr(
        ast.Index(ast.Variable("a"), ast.Literal(0)), "b"
    )
    assert parse_expression("{for k, v in m : v => k... if k != 1}") == ast.ForExpr(
        "k",
        "v",
        ast.Variable("m"),
        ast.Variable("k"),
        ast.Variable("v"),
        ast.BinaryOp("!=", ast.Variable("k"), ast.Literal(1)),
        grouping=True,
    )
    assert parse_expression("f(a, b...)") == ast.Call(
        "f", (ast.Variable("a"), ast.Variable("b")), True
    )


def test_crlf_files_parse_with_the_same_lines():
    parsed = parse_hcl('resource "a" "b" {\r\n  x = 1\r\n}\r\n', "crlf.tf")
    block = parsed.body.blocks[0]
    assert (block.line, block.end_line, block.body.attributes["x"].line) == (1, 3, 2)


def test_syntax_error_reports_the_line():
    with pytest.raises(HclSyntaxError) as info:
        parse_hcl('resource "a" "b" {\n  x = 1 +\n}\n', "bad.tf")
    assert info.value.line == 3
