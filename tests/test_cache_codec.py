"""The parse cache's data-only encoding: exact round trips, no depth limit, and every entry
that is not exactly what ``encode`` writes decodes to None (a cache miss)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from iacscan.terraform import ast, codec
from iacscan.terraform.loader import _parse_file


def _parsed_fixtures() -> list[tuple[str, object]]:
    files = sorted(FIXTURES.rglob("*.tf")) + sorted(FIXTURES.rglob("*.tf.json"))
    kind = {True: "tf.json", False: "tf"}
    return [
        (str(f), _parse_file(str(f), kind[f.name.endswith(".json")], f.read_bytes())) for f in files
    ]


def test_every_fixture_round_trips_exactly() -> None:
    parsed = _parsed_fixtures()
    assert len(parsed) > 100
    for path, value in parsed:
        encoded = codec.encode(value)
        assert encoded is not None, path
        assert codec.decode(encoded, path) == value, path


def test_deep_trees_and_big_integers_need_no_recursion() -> None:
    expr: ast.Expr = ast.Literal(10**5000)  # beyond the decimal conversion limit
    for _ in range(20_000):
        expr = ast.Parens(expr)
    body = ast.Body({"x": ast.Attribute("x", expr, 1, 1)}, ())
    value = ast.ParsedFile("main.tf", body, (ast.Comment(1, "# iacscan:ignore X"),))
    encoded = codec.encode(value)
    assert encoded is not None and encoded.count(b"[") < 20_010 * 2
    decoded = codec.decode(encoded, "main.tf")
    assert isinstance(decoded, ast.ParsedFile) and decoded.comments == value.comments
    inner = decoded.body.attributes["x"].expr
    for _ in range(20_000):
        assert isinstance(inner, ast.Parens)
        inner = inner.expr
    assert inner == ast.Literal(10**5000)


def test_parse_errors_round_trip() -> None:
    error = ("error", 3, "unexpected token", "parse")
    assert codec.decode(codec.encode(error), "x.tf") == error  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "entry",
    [
        b"",
        b"null",
        b"[2, [[18, [], []]], 0, []]",  # another format version
        b"[1, [[18, [], []]], 0]",  # missing comments
        b"[1, [], 0, []]",  # no rows
        b'[1, [[4, "v"], [18, [], []]], 1, []]',  # a row outside the tree
        b'[1, [[0, "x"], [16, "x", 0, 1, 1], [16, "x", 0, 1, 1], [18, [1, 2], []]], 3, []]',
        b'[1, [[0, "x"], [16, "y", 0, 1, 1], [18, [1], []], [18, [1], []]], 3, []]',
        b'[1, [[0, "x"], [16, "x", 5, 1, 1], [18, [1], []]], 2, []]',  # forward reference
        b'[1, [[0, {"a": 1}], [16, "x", 0, 1, 1], [18, [1], []]], 2, []]',  # literal shape
        b'[1, [[0, "x"], [16, 7, 0, 1, 1], [18, [1], []]], 2, []]',  # name not text
        b'[1, [[0, "x"], [16, "x", 0, "1", 1], [18, [1], []]], 2, []]',  # line not int
        b'[1, [[99, "x"], [18, [], []]], 1, []]',  # unknown tag
        b"[1, [[18, [], []]], 0, [[1]]]",  # comment shape
        b'[1, [[18, [], []]], 0, [[1, "a", "b"]]]',
        b'["error", "1", "m", "parse"]',
        b"[" * 50_000,
    ],
)
def test_malformed_entries_are_misses(entry: bytes) -> None:
    assert codec.decode(entry, "main.tf") is None


def test_shared_subtrees_are_refused() -> None:
    """A crafted table reusing one row many times would expand exponentially."""
    rows = [[0, "x"], [9, [0, 0]]]
    text = f"[1, {rows}, 1, []]".replace("'", '"').encode()
    assert codec.decode(text, "main.tf") is None


def test_unknown_values_are_not_encoded(tmp_path: Path) -> None:
    assert codec.encode(object()) is None
