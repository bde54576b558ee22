"""Terraform JSON syntax: the line-keeping JSON parser and the mapping onto iacscan's tree."""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path

import pytest

from iacscan.terraform.ast import (
    Attribute,
    Block,
    Body,
    Comment,
    Expr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Template,
    TupleExpr,
    Variable,
)
from iacscan.terraform.json_syntax import (
    JNode,
    JsonSyntaxError,
    parse_json,
    parse_tf_json,
    parse_tfvars_json,
    to_python,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/terraform/json_syntax/main.tf.json"

# Line numbers matter below: the document starts on line 1 with "{".
MULTI = """{
  "//": "iacscan:ignore IAC-AWS-SG-001 reason",
  "resource": {
    "aws_instance": {
      "web": {
        "ami": "ami-123",
        "count": 2,
        "subnet_id": "${aws_subnet.a.id}",
        "root_block_device": {"volume_size": 8, "encrypted": true},
        "ebs_block_device": [
          {"device_name": "/dev/sdb", "encrypted": false}
        ],
        "depends_on": ["aws_vpc.main", "module.net.ids[0]"],
        "provider": "aws.west",
        "lifecycle": {"ignore_changes": ["tags"]},
        "provisioner": {"local-exec": {"command": "echo hi"}}
      }
    },
    "aws_security_group": {
      "sg": {
        "dynamic": {
          "ingress": {
            "for_each": "${var.ports}",
            "iterator": "port",
            "content": {"from_port": "${port.value}"}
          }
        }
      }
    },
    "aws_s3_bucket": {
      "logs": [
        {"bucket": "a"},
        {"bucket": "b"}
      ]
    }
  },
  "data": {"aws_ami": {"ubuntu": {"most_recent": true}}},
  "variable": {
    "env": {"type": "string", "default": "${not_a_template}", "description": "d"}
  },
  "locals": {"name": "app-${var.env}", "//": "a local note"},
  "module": {"net": {"source": "./net", "version": "1.0", "cidr": "10.0.0.0/16"}},
  "output": {"ip": {"value": "${aws_instance.web[0].private_ip}"}},
  "provider": {"aws": [{"region": "us-east-1"}, {"region": "us-west-2", "alias": "west"}]}
}
"""


def _attr(name: str, expr: Expr, line: int, end_line: int | None = None) -> Attribute:
    return Attribute(name, expr, line, line if end_line is None else end_line)


def _obj(**items: Expr) -> ObjectExpr:
    return ObjectExpr(tuple((Literal(k), v) for k, v in items.items()))


def _ref(*names: str) -> Expr:
    expr: Expr = Variable(names[0])
    for name in names[1:]:
        expr = GetAttr(expr, name)
    return expr


@pytest.fixture(scope="module")
def multi() -> list[Block]:
    return list(parse_tf_json(MULTI, "main.tf.json").body.blocks)


# --- the Terraform mapping ------------------------------------------------------------------


def test_blocks_in_order_with_labels_and_lines(multi: list[Block]) -> None:
    assert [(b.type, b.labels, b.line, b.end_line) for b in multi] == [
        ("resource", ("aws_instance", "web"), 5, 17),
        ("resource", ("aws_security_group", "sg"), 20, 28),
        ("resource", ("aws_s3_bucket", "logs"), 32, 32),  # an array of bodies: two blocks
        ("resource", ("aws_s3_bucket", "logs"), 33, 33),
        ("data", ("aws_ami", "ubuntu"), 37, 37),
        ("variable", ("env",), 39, 39),
        ("locals", (), 41, 41),
        ("module", ("net",), 42, 42),
        ("output", ("ip",), 43, 43),
        ("provider", ("aws",), 44, 44),
        ("provider", ("aws",), 44, 44),
    ]


def test_resource_attributes_and_meta_blocks(multi: list[Block]) -> None:
    web = multi[0].body
    assert list(web.attributes.values()) == [
        _attr("ami", Literal("ami-123"), 6),
        _attr("count", Literal(2), 7),
        _attr("subnet_id", Template((_ref("aws_subnet", "a", "id"),)), 8),
        _attr("root_block_device", _obj(volume_size=Literal(8), encrypted=Literal(True)), 9),
        _attr(
            "ebs_block_device",
            TupleExpr((_obj(device_name=Literal("/dev/sdb"), encrypted=Literal(False)),)),
            10,
            12,
        ),
        _attr(
            "depends_on",
            TupleExpr((_ref("aws_vpc", "main"), Index(_ref("module", "net", "ids"), Literal(0)))),
            13,
        ),
        _attr("provider", _ref("aws", "west"), 14),
    ]
    assert web.blocks == (
        Block(
            "lifecycle",
            (),
            Body({"ignore_changes": _attr("ignore_changes", TupleExpr((Variable("tags"),)), 15)}),
            15,
            15,
        ),
        Block(
            "provisioner",
            ("local-exec",),
            Body({"command": _attr("command", Literal("echo hi"), 16)}),
            16,
            16,
        ),
    )


def test_dynamic_block_with_content(multi: list[Block]) -> None:
    (dynamic,) = multi[1].body.blocks
    assert dynamic == Block(
        "dynamic",
        ("ingress",),
        Body(
            {
                "for_each": _attr("for_each", Template((_ref("var", "ports"),)), 23),
                "iterator": _attr("iterator", Literal("port"), 24),
            },
            (
                Block(
                    "content",
                    (),
                    Body({"from_port": _attr("from_port", Template((_ref("port", "value"),)), 25)}),
                    25,
                    25,
                ),
            ),
        ),
        22,
        26,
    )
    assert multi[1].body.attributes == {}


def test_other_top_level_blocks(multi: list[Block]) -> None:
    buckets = [b.body.attributes["bucket"].expr for b in multi[2:4]]
    assert buckets == [Literal("a"), Literal("b")]
    assert multi[4].body.attributes == {"most_recent": _attr("most_recent", Literal(True), 37)}
    assert multi[5].body.attributes == {
        "type": _attr("type", Literal("string"), 39),
        "default": _attr("default", Literal("${not_a_template}"), 39),  # literal, not template
        "description": _attr("description", Literal("d"), 39),
    }
    assert multi[6].body == Body(
        {"name": _attr("name", Template(("app-", _ref("var", "env"))), 41)}
    )
    assert {k: a.expr for k, a in multi[7].body.attributes.items()} == {
        "source": Literal("./net"),
        "version": Literal("1.0"),
        "cidr": Literal("10.0.0.0/16"),
    }
    private_ip = GetAttr(Index(_ref("aws_instance", "web"), Literal(0)), "private_ip")
    assert multi[8].body.attributes["value"].expr == Template((private_ip,))
    assert list(multi[10].body.attributes) == ["region", "alias"]


def test_comments_are_collected_not_attributes() -> None:
    parsed = parse_tf_json(MULTI, "main.tf.json")
    assert parsed.path == "main.tf.json"
    assert parsed.comments == (
        Comment(2, "iacscan:ignore IAC-AWS-SG-001 reason"),
        Comment(41, "a local note"),
    )
    assert all("//" not in b.body.attributes for b in parsed.body.blocks)


def test_comments_at_every_level() -> None:
    text = """{
  "resource": {
    "//": "label level",
    "aws_s3_bucket": {
      "b": {
        "//": ["first", "second", 3],
        "tags": {"//": "inside an object", "a": "1"}
      }
    }
  }
}"""
    parsed = parse_tf_json(text, "c.tf.json")
    assert [(c.line, c.text) for c in parsed.comments] == [
        (3, "label level"),
        (6, "first"),
        (6, "second"),
        (7, "inside an object"),
    ]
    (bucket,) = parsed.body.blocks
    assert bucket.body.attributes["tags"].expr == _obj(a=Literal("1"))


def test_repeated_levels_as_arrays() -> None:
    text = """{
  "resource": [
    {"aws_s3_bucket": [{"a": {"bucket": "x"}}, {"b": {}}]},
    {"aws_sqs_queue": {"q": [{}, {"name": "2"}]}}
  ],
  "locals": [{"a": 1}, {"b": 2}]
}"""
    blocks = parse_tf_json(text, "r.tf.json").body.blocks
    assert [(b.type, b.labels, b.line) for b in blocks] == [
        ("resource", ("aws_s3_bucket", "a"), 3),
        ("resource", ("aws_s3_bucket", "b"), 3),
        ("resource", ("aws_sqs_queue", "q"), 4),
        ("resource", ("aws_sqs_queue", "q"), 4),
        ("locals", (), 6),
        ("locals", (), 6),
    ]
    assert blocks[3].body.attributes["name"].expr == Literal("2")


def test_duplicate_keys() -> None:
    text = """{
  "resource": {"aws_s3_bucket": {"a": {"acl": "private", "acl": "public-read"}}},
  "resource": {"aws_s3_bucket": {"b": {"tags": {"k": "1", "k": "2"}}}}
}"""
    root = parse_json(text)
    assert [key for key, _, _ in root.value] == ["resource", "resource"]
    a, b = parse_tf_json(text, "d.tf.json").body.blocks
    assert a.labels == ("aws_s3_bucket", "a")
    assert a.body.attributes == {"acl": _attr("acl", Literal("public-read"), 2)}  # last wins
    assert b.body.attributes["tags"].expr == ObjectExpr(
        ((Literal("k"), Literal("1")), (Literal("k"), Literal("2")))
    )


def test_variable_default_and_type_stay_literal() -> None:
    text = """{"variable": {"m": {
  "type": "map(object({a = string}))",
  "default": {"x": {"a": "${y}"}, "//": "data, not a comment", "n": [1, null]},
  "validation": {"condition": "${length(var.m) > 0}", "error_message": "empty"}
}}}"""
    (var,) = parse_tf_json(text, "v.tf.json").body.blocks
    assert var.body.attributes["type"].expr == Literal("map(object({a = string}))")
    assert var.body.attributes["default"].expr == ObjectExpr(
        (
            (Literal("x"), _obj(a=Literal("${y}"))),
            (Literal("//"), Literal("data, not a comment")),
            (Literal("n"), TupleExpr((Literal(1), Literal(None)))),
        )
    )
    (validation,) = var.body.blocks
    assert (validation.type, validation.line, validation.end_line) == ("validation", 4, 4)
    assert isinstance(validation.body.attributes["condition"].expr, Template)


def test_terraform_block_and_references() -> None:
    text = """{
  "terraform": {
    "required_version": ">= 1.5",
    "required_providers": {"aws": {"source": "hashicorp/aws"}},
    "backend": {"s3": {"bucket": "state"}}
  },
  "module": {"m": {"source": "./m", "providers": {"aws": "aws.west"}, "depends_on": []}},
  "resource": {"null_resource": {"n": {"depends_on": ["a.b[\\"k\\"]", "a.b.0", "${a.c}"]}}}
}"""
    tf, module, res = parse_tf_json(text, "t.tf.json").body.blocks
    assert tf.body.attributes["required_version"].expr == Literal(">= 1.5")
    assert [(b.type, b.labels, b.line) for b in tf.body.blocks] == [
        ("required_providers", (), 4),
        ("backend", ("s3",), 5),
    ]
    assert module.body.attributes["providers"].expr == _obj(aws=_ref("aws", "west"))
    assert module.body.attributes["depends_on"].expr == TupleExpr(())
    assert res.body.attributes["depends_on"].expr == TupleExpr(
        (
            Index(_ref("a", "b"), Literal("k")),
            Index(_ref("a", "b"), Literal(0)),
            Template((_ref("a", "c"),)),
        )
    )


def test_template_keys_and_plain_values() -> None:
    text = '{"locals": {"m": {"${var.k}": 1.5, "plain": [true, null, -2]}}}'
    (loc,) = parse_tf_json(text, "k.tf.json").body.blocks
    assert loc.body.attributes["m"].expr == ObjectExpr(
        (
            (Template((_ref("var", "k"),)), Literal(1.5)),
            (Literal("plain"), TupleExpr((Literal(True), Literal(None), Literal(-2)))),
        )
    )


def test_empty_file_and_unknown_top_level_type() -> None:
    assert parse_tf_json("{}", "e.tf.json").body == Body()
    (block,) = parse_tf_json('{"something_new": {"a": 1}}', "u.tf.json").body.blocks
    assert (block.type, block.labels, list(block.body.attributes)) == ("something_new", (), ["a"])


def test_json_errors_name_the_column() -> None:
    with pytest.raises(JsonSyntaxError) as info:
        parse_json('{\n  "a": 1,\n  "b": 2 "c": 3\n}', "bad.json")
    assert (
        info.value.message == "expected ',' or '}' after the value of 'b', found '\"' at column 10"
    )
    with pytest.raises(JsonSyntaxError) as info:
        parse_json('{"a":\n  "tab\there"}', "bad.json")
    assert (info.value.line, info.value.message) == (
        2,
        "control character U+0009 must be escaped in a string at column 7",
    )


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("[1, 2]", 1, "root of a Terraform JSON file must be an object"),
        ('{\n"resource": "x"}', 2, "resource (an object keyed by type): expected an object"),
        ('{"resource": {\n"aws_vpc": {\n"main": 3}}}', 3, 'resource "aws_vpc" "main": expected'),
        ('{"resource": {"aws_vpc": [\n{"a": {}},\n"b"]}}', 3, "expected an object in the array"),
        ('{"variable": {"v": {"validation": 1}}}', 1, "validation: expected an object"),
        ('{\n"locals": {\n"a": "${"\n}}', 3, "invalid template"),
    ],
)
def test_shape_errors(text: str, line: int, fragment: str) -> None:
    with pytest.raises(JsonSyntaxError) as info:
        parse_tf_json(text, "bad.tf.json")
    assert info.value.line == line
    assert fragment in info.value.message
    assert str(info.value).startswith(f"bad.tf.json:{line}: ")


def test_fixture_file() -> None:
    parsed = parse_tf_json(FIXTURE.read_text(encoding="utf-8"), str(FIXTURE))
    summary = [(b.type, b.labels, b.line, b.end_line) for b in parsed.body.blocks]
    assert summary == [
        ("terraform", (), 3, 7),
        ("provider", ("aws",), 9, 9),
        ("variable", ("region",), 12, 12),
        ("variable", ("allowed_cidrs",), 13, 13),
        ("resource", ("aws_vpc", "main"), 17, 21),
        ("resource", ("aws_subnet", "public"), 24, 29),
        ("resource", ("aws_security_group", "web"), 32, 59),
        ("output", ("subnet_id",), 63, 63),
    ]
    subnet, sg = parsed.body.blocks[5], parsed.body.blocks[6]
    vpc_id = Template((_ref("aws_vpc", "main", "id"),))
    assert subnet.body.attributes["vpc_id"] == _attr("vpc_id", vpc_id, 25)
    assert subnet.body.attributes["depends_on"].expr == TupleExpr((_ref("aws_vpc", "main"),))
    ingress = sg.body.attributes["ingress"]
    assert (ingress.line, ingress.end_line) == (36, 51)
    assert isinstance(ingress.expr, TupleExpr)
    assert len(ingress.expr.items) == 2
    assert ingress.expr.items[0] == _obj(
        description=Literal("HTTPS"),
        from_port=Literal(443),
        to_port=Literal(443),
        protocol=Literal("tcp"),
        cidr_blocks=TupleExpr((Literal("0.0.0.0/0"),)),
    )
    assert [(b.type, b.line) for b in sg.body.blocks] == [("lifecycle", 58)]
    assert parsed.comments[1] == Comment(
        33, "iacscan:ignore IAC-AWS-SG-001 public web server by design"
    )


# --- tfvars -----------------------------------------------------------------------------------


def test_tfvars_reader() -> None:
    text = """{
  "//": "not a variable",
  "region": "eu-west-1",
  "tags": {"env": "${not_a_template}"},
  "ports": [80, 443],
  "enabled": false,
  "region": "us-east-1"
}"""
    assert parse_tfvars_json(text, "x.tfvars.json") == {
        "region": ("us-east-1", 7),
        "tags": ({"env": "${not_a_template}"}, 4),
        "ports": ([80, 443], 5),
        "enabled": (False, 6),
    }
    with pytest.raises(JsonSyntaxError, match="must hold an object") as info:
        parse_tfvars_json('\n"x"', "x.tfvars.json")
    assert info.value.line == 2


# --- the JSON parser ----------------------------------------------------------------------------


def test_nodes_carry_lines() -> None:
    root = parse_json('{\n  "a": [\n    1,\n    {"b": null}\n  ],\n  "c": "s"\n}\n')
    assert (root.kind, root.line, root.end_line) == ("object", 1, 7)
    (a_key, a_line, a_node), (c_key, c_line, c_node) = root.value
    assert (a_key, a_line, a_node.kind, a_node.line, a_node.end_line) == ("a", 2, "array", 2, 5)
    assert a_node.value[0] == JNode("number", 1, 3, 3)
    assert a_node.value[1] == JNode("object", (("b", 4, JNode("null", None, 4, 4)),), 4, 4)
    assert (c_key, c_line, c_node) == ("c", 6, JNode("string", "s", 6, 6))


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, -0, 2.5, -3e2, 1E+2, 0.5e-3, true, false, null], "b": {}, "c": []}',
        '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
        '["\\u00e9", "\\uD83D\\uDE00", "\\u20ac", "caf\u00e9 \U0001f600"]',
        '{"\\u0041\\u0062": 12345678901234567890123}',
        " [ ] ",
    ],
)
def test_values_match_the_json_module(text: str) -> None:
    assert to_python(parse_json(text)) == json.loads(text)


def test_unicode_escapes_and_number_types() -> None:
    value = to_python(parse_json('["\\ud83d\\ude00", "\\u00e9t\\u00e9", 1, 1.0, 1e2]'))
    assert value == ["\U0001f600", "\u00e9t\u00e9", 1, 1.0, 100.0]
    assert [type(v) for v in value[2:]] == [int, float, float]


def test_more_digits_than_int_accepts_becomes_float() -> None:
    assert parse_json("1" * 5000).value == float("inf")


def test_reference_that_is_not_a_traversal_stays_a_string() -> None:
    (res,) = parse_tf_json('{"resource": {"a": {"b": {"provider": "not a ref"}}}}', "p").body.blocks
    assert res.body.attributes["provider"].expr == Literal("not a ref")


def test_bom_and_crlf() -> None:
    root = parse_json('\ufeff{\r\n"a": 1,\r\n"b": 2\r\n}')
    assert [(k, line) for k, line, _ in root.value] == [("a", 2), ("b", 3)]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('{\n  "a": 1,\n  "b": 2 "c": 3\n}', 3, "expected ',' or '}'"),  # missing comma, line 3
        ('{\n  "a": 1\n  "b": 2\n}', 3, "expected ',' or '}'"),  # reported at the next token
        ('{\n  "a": [1, 2,\n  ]\n}', 3, "trailing comma before ']'"),
        ('{\n  "a": 1,\n}', 3, "trailing comma before '}'"),
        ('{\n  "a": "unterminated\n}', 2, "unterminated string"),
        ('{\n\n  "a": "bad \\x escape"}', 3, "invalid escape sequence '\\\\x'"),
        ('{"a":\n "tab\there"}', 2, "control character U+0009"),
        ('{\n  "a": tru\n}', 2, "expected a JSON value"),
        ('{\n  "a" 1\n}', 2, "expected ':'"),
        ("{\n  a: 1\n}", 2, "expected a property name"),
        ('{\n  "a": -\n}', 2, "invalid number"),
        ('{\n  "a": [\n    1\n', 4, "found the end of the document"),
        ("{}\n\n{}", 3, "unexpected content after the end"),
        ("  \n ", 2, "empty document"),
        ("[\n" * 300 + "]" * 300, 101, "nesting deeper than 100 levels"),
        ('[\n"ok",\n"\\ud800"]', 3, "invalid escape sequence \\ud800: a lone surrogate"),
        ('["\\udc00\\ud800"]', 1, "invalid escape sequence \\udc00: a lone surrogate"),
    ],
)
def test_json_error_lines(text: str, line: int, fragment: str) -> None:
    with pytest.raises(JsonSyntaxError) as info:
        parse_json(text, "bad.json")
    assert info.value.line == line
    assert fragment in info.value.message
    assert isinstance(info.value, ValueError)


def test_tf_json_reports_json_errors_with_path() -> None:
    with pytest.raises(JsonSyntaxError, match=r"^m\.tf\.json:2: ") as info:
        parse_tf_json('{\n  "resource": }', "m.tf.json")
    assert info.value.path == "m.tf.json"
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.message, copy.line, copy.path, str(copy)) == (
        info.value.message,
        2,
        "m.tf.json",
        str(info.value),
    )


def test_large_file_parses_quickly() -> None:
    resources = {
        f"sg_{i}": {
            "vpc_id": "${aws_vpc.main.id}",
            "ingress": [{"from_port": 443, "cidr_blocks": ["0.0.0.0/0"]}] * 2,
            "tags": {"Name": f"sg-{i}"},
        }
        for i in range(1000)
    }
    text = json.dumps({"resource": {"aws_security_group": resources}}, indent=2)
    start = time.perf_counter()
    blocks = parse_tf_json(text, "big.tf.json").body.blocks
    elapsed = time.perf_counter() - start
    assert len(blocks) == 1000
    last, lines = blocks[-1], text.splitlines()
    assert (lines[last.line - 1], lines[last.end_line - 1]) == ('      "sg_999": {', "      }")
    assert elapsed < 5  # ~250 kB: a few hundredths of a second in practice; generous for CI
