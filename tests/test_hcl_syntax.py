"""HCL native syntax edge cases, each checked against Terraform 1.11 (``terraform console``).

Every case is a ``locals`` block whose ``x`` evaluates to what Terraform printed for it; the
newline cases come from the HCL native syntax specification (newlines are insignificant
inside parentheses, brackets, ``for`` expressions and interpolations).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.scan import ScanOptions, scan
from iacscan.terraform import ast
from iacscan.terraform.expressions import EvalError, Evaluator
from iacscan.terraform.functions import FunctionContext
from iacscan.terraform.hcl import HclSyntaxError, parse_hcl


class _NoScope:
    functions = FunctionContext(Path("."), Path("."), None)

    def resolve(self, root, steps, env):
        raise EvalError(f"no {root}")


def local_x(source: str):
    parsed = parse_hcl(source, "case.tf")
    (block,) = parsed.body.blocks
    return Evaluator(_NoScope()).eval(block.body.attributes["x"].expr, {})


def locals_x(expr: str) -> str:
    return "locals {\n  x = " + expr + "\n}\n"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # newline before an operator inside parentheses (eks-node-groups.tf:107 in the corpus)
        ("(true\n    || false)", True),
        ("(1 # one\n    + 2 // two\n    * 3)", 7),
        ("(true\n    ? 1\n    : 2)", 1),
        ("[1\n    + 2, 3\n  ]", [3, 3]),
        ("{ a = (1\n   + 2) }", {"a": 3}),
        # newline before => / ... / if in an object for expression
        ("{ for k, v in {a = 1} : k\n    => v }", {"a": 1}),
        ('{ for k, v in {a = 1, b = 1} : v\n => k\n ...\n if k != "c"\n }', {"1": ["a", "b"]}),
        ("{\n for\n k,\n v\n in\n {a = 1}\n :\n k\n =>\n v\n }", {"a": 1}),
        ("[\n for i in [1, 2, 3]\n : i * 2\n if i > 1\n ]", [4, 6]),
        ("max([1, 2]\n    ...\n  )", 2),
        ("max(\n 1\n ,\n 2\n )", 2),
        ("max(1, 2,)", 2),
        ("[1,2][\n 1\n ]", 2),
        # comments anywhere
        ("/* c */ 1 /* d */ + /* e */ 2", 3),
        ("[1, /* multi\n line */ 2]", [1, 2]),
        ("{\n # c\n a = 1 # d\n // e\n b = 2\n /* f */\n }", {"a": 1, "b": 2}),
        # interpolations: newlines inside, strip markers, nested quotes and braces
        ('"${\n  1 +\n  2\n}"', 3),  # a lone interpolation keeps its type
        ('"a  ${~ "b" ~}  c"', "abc"),
        ('"a${join(",", ["b", "}"])}c"', "ab,}c"),
        ('"a  %{~ if true ~}  b  %{~ endif ~}  c"', "abc"),
        ('"%{ for i in [1,2] }${i},%{ endfor }"', "1,2,"),
        ('"%{ if "a" == "a" }yes%{ else }no%{ endif }"', "yes"),  # quotes inside a directive
        ('"%{ for s in ["p", "q"] }${s}-%{ endfor }"', "p-q-"),
        ('"%{if "}" == "}"}y%{endif}"', "y"),  # a brace inside a directive's string
        ('"%{ if true }}%{ endif }"', "}"),
        ('"%%{x} %%{ if } $${y} 50%"', "%{x} %{ if } ${y} 50%"),
        ('"cost $5 and $${x} and %%{y} and %d"', "cost $5 and ${x} and %{y} and %d"),
        (
            '"q\\"b\\\\n\\tt \\u00e9 \\U0001F600 \\U0010FFFF"',
            'q"b\\n\tt \u00e9 \U0001f600 \U0010ffff',
        ),
        # heredocs
        ('<<EOT\nhello\n  ${"a"}\nEOT', "hello\n  a\n"),
        ("<<-EOT\n    hello\n      world\n    EOT", "hello\n  world\n"),
        ("<<EOT\nEOT", ""),
        ("trimspace(<<EOT\n  hi\nEOT\n  )", "hi"),
        ('[<<EOT\na\nEOT\n  , "b"]', ["a\n", "b"]),
        ("<<EOT\n${\n  1 + 2\n}\nEOT", "3\n"),
        # operators
        ("!!true", True),
        ("-(1 + 2) * -3", 9),
        ("5 -1", 4),
        ("[5 -1, 2-1]", [4, 1]),
        ("7 % 3 + 10 / 4", 3.5),
        ("false ? 1 : true ? 2 : 3", 2),
        # traversals
        ("[[1,2]][0].1", 2),
        ("[{a = 1}, {a = 2}].*.a", [1, 2]),
        ("[{a = [1]}, {a = [2]}][*].a[0]", [1, 2]),
        # object keys
        ('{ "a": 1, b: 2 }', {"a": 1, "b": 2}),
        ('{ ("a") = 1, (1+1) = 2 }', {"a": 1, "2": 2}),
        ("{ a = 1, b = 2,\n  c = 3 }", {"a": 1, "b": 2, "c": 3}),
    ],
)
def test_terraform_accepts_and_so_do_we(expr, expected):
    assert local_x(locals_x(expr)) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("locals {\n  café = 1\n  x = 2\n}\n", 2),  # Unicode identifiers
        ("locals {\n  x = [1,\r\n   2]\r\n}\r\n", [1, 2]),  # CRLF
        ("\ufefflocals {\n  x = 1\n}\n", 1),  # a byte order mark
        ("locals {\n  x = 1\n}", 1),  # no newline at the end
        ("locals {\n  x = 1\n}\n# end", 1),  # a comment at the end, no newline
        ("locals {\n  x = <<EOT\nhi\nEOT\n}", "hi\n"),  # heredoc closing the file
        ("locals { x = 1 }\n", 1),  # one-line block
    ],
)
def test_file_level_forms(source, expected):
    assert local_x(source) == expected


def test_unicode_identifier_is_a_name():
    parsed = parse_hcl("locals {\n  café = local.ñandú\n}\n", "u.tf")
    attr = parsed.body.blocks[0].body.attributes["café"]
    assert attr.expr == ast.GetAttr(ast.Variable("local"), "ñandú")


def test_attribute_named_for_in_a_block_body():
    parsed = parse_hcl("locals {\n  for = 1\n  in = 2\n}\n", "kw.tf")
    assert sorted(parsed.body.blocks[0].body.attributes) == ["for", "in"]


def test_lines_survive_ignored_newlines():
    source = 'resource "a" "b" {\n  x = (true\n    || false)\n  y = 1\n}\n'
    block = parse_hcl(source, "l.tf").body.blocks[0]
    x, y = block.body.attributes["x"], block.body.attributes["y"]
    assert ((x.line, x.end_line), (y.line, y.end_line), block.end_line) == ((2, 3), (4, 4), 5)


def test_comments_inside_brackets_are_kept():
    source = "x = [\n  1, # iacscan:ignore A-1\n  /* two */ 2,\n]\n"
    assert parse_hcl(source, "c.tf").comments == (
        ast.Comment(2, "# iacscan:ignore A-1"),
        ast.Comment(3, "/* two */"),
    )


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        (
            'x = "\\ud800"\n',
            1,
            "invalid escape sequence \\ud800: not a Unicode character at column 6",
        ),
        (
            '\nx = "\\U00110000"\n',
            2,
            "invalid escape sequence \\U00110000: not a Unicode character at column 6",
        ),
        (
            'x = "\\ud83d\\ude00"\n',
            1,
            "invalid escape sequence \\ud83d: not a Unicode character at column 6",
        ),
        ('x = "\\q"\n', 1, "invalid escape sequence \\q at column 6"),
        ("x = 1\n  .a\n", 2, "unexpected '.' at column 3"),
        ("x = (1 +\n", 1, "unexpected end of file"),
        ('resource "a" "b" {\n  x = 1 +\n}\n', 3, "unexpected '}' at column 1"),
        ("x = 1\ny = @\n", 2, "unexpected '@' at column 5"),
        # inside templates: the file's line and column, not the expression's
        (
            "x = <<EOT\nab ${ 1 + @} c\nEOT\n",
            2,
            "unexpected '@' in expression '1 + @' at column 11",
        ),
        (
            "x = <<EOT\nab ${1 +} c\nEOT\n",
            2,
            "unexpected end of file in expression '1 +' at column 9",
        ),
        (
            "x = <<EOT\n${\n  1 +\n  2 +\n}\nEOT\n",
            4,
            "unexpected end of file in expression '1 +\\n  2 +' at column 6",
        ),
        ('x = "${\n  1 +\n}"\n', 3, "unexpected '}' at column 1"),
    ],
)
def test_errors_name_line_and_column(source, line, message):
    with pytest.raises(HclSyntaxError) as info:
        parse_hcl(source, "bad.tf")
    assert (info.value.line, str(info.value)) == (line, message)


@pytest.mark.parametrize(
    ("make", "line", "message"),
    [
        (lambda n: "a {\n" * n + "}\n" * n, 101, "nesting deeper than 100 levels at column 3"),
        (lambda n: "x = " + "[\n" * n + "]" * n, 101, "nesting deeper than 100 levels at column 1"),
        (
            lambda n: "x = " + "(\n" * n + "1" + ")" * n,
            101,
            "nesting deeper than 100 levels at column 1",
        ),
        (
            lambda n: "x = " + '"${' * n + "1" + '}"' * n,
            1,
            "nesting deeper than 100 levels at column 306",
        ),
        (lambda n: "\nx = 1" + " +\n1" * n, 2, "expression nested deeper than 100 levels"),
        (lambda n: "x = a" + ".b" * n, 1, "expression nested deeper than 100 levels"),
        (lambda n: "x = a" + "[0]" * n, 1, "expression nested deeper than 100 levels"),
        (lambda n: "x = " + "!" * n + "true", 1, "expression nested deeper than 100 levels"),
        (lambda n: "x = " + "a ? 1 : " * n + "2", 1, "expression nested deeper than 100 levels"),
        (
            lambda n: "x = 1" + " + 1" * n * 20,
            1,
            "expression with more than 1000 operators in a row at column 4007",
        ),
        (
            lambda n: 'x = "' + "%{ if a }" * n + "%{ endif }" * n + '"',
            1,
            "template directives nested deeper than 100 levels",
        ),
    ],
)
def test_too_deep_is_a_syntax_error_never_a_recursion_error(make, line, message):
    for depth in (200, 500):
        with pytest.raises(HclSyntaxError) as info:
            parse_hcl(make(depth), "deep.tf")
        assert (info.value.line, str(info.value)) == (line, message)


def test_nesting_at_the_limit_parses():
    assert parse_hcl("a {\n" * 100 + "}\n" * 100, "ok.tf").body.blocks
    assert local_x(locals_x("[" * 99 + "1" + "]" * 99)) is not None


def test_nested_heredocs_stop_at_the_limit():
    inner = "1"
    for i in range(12):
        inner = f"<<E{i}\n${{{inner}}}\nE{i}\n"
    with pytest.raises(HclSyntaxError, match="templates nested deeper than 100 levels"):
        parse_hcl("x = " + inner, "h.tf")


def test_deep_file_is_reported_and_other_files_still_scan(tmp_path):
    (tmp_path / "deep.tf").write_text("locals {\n  x = " + "[\n" * 300 + "]" * 300 + "\n}\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_security_group" "ssh" {\n'
        "  ingress {\n"
        "    from_port   = 22\n"
        "    to_port     = 22\n"
        '    protocol    = "tcp"\n'
        '    cidr_blocks = ["0.0.0.0/0"]\n'
        "  }\n"
        "}\n"
    )
    result = scan([tmp_path], ScanOptions(use_cache=False))
    parse_errors = [(e.file, e.line, e.message) for e in result.errors if e.kind == "parse"]
    assert parse_errors == [("deep.tf", 101, "nesting deeper than 100 levels at column 1")]
    assert ("IAC-AWS-SG-001", "aws_security_group.ssh", 2) in {
        (f.rule_id, f.resource, f.location.line) for f in result.findings
    }


def test_open_ssh_in_a_file_with_the_corpus_shapes_is_found(tmp_path):
    """Issue 12: these files used to drop out whole, and the scan then exited 0."""
    (tmp_path / "main.tf").write_text(
        "locals {\n"
        "  enabled = (true\n"
        "    || false)\n"
        "  ports = { for k, v in { ssh = 22 } : k\n"
        "  => v }\n"
        "}\n"
        'resource "aws_security_group" "ssh" {\n'
        "  ingress {\n"
        "    from_port   = local.ports.ssh\n"
        "    to_port     = 22\n"
        '    protocol    = "tcp"\n'
        '    cidr_blocks = local.enabled ? ["0.0.0.0/0"] : []\n'
        "  }\n"
        "}\n"
    )
    result = scan([tmp_path], ScanOptions(use_cache=False, rules=["IAC-AWS-SG-001"]))
    assert result.errors == []
    assert [(f.rule_id, f.resource, f.location.line) for f in result.findings] == [
        ("IAC-AWS-SG-001", "aws_security_group.ssh", 8)
    ]
