"""The parser's LALR tables: stored as JSON in iacscan's cache directory, never unpickled."""

from __future__ import annotations

import json

import pytest

from iacscan.terraform import ast, hcl_grammar
from iacscan.terraform.hcl import _Builder, _parser


def test_tables_round_trip_through_tagged_json():
    value = {"data": {0: ("a", 1), "k": [None, True, 2.5]}, "memo": {1: {"x": ()}}}
    text = json.dumps(hcl_grammar._encode(value))
    assert json.loads(text, object_hook=hcl_grammar._decode) == value


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"d": [["data", 1]]}', "{}"])
def test_unusable_tables_are_ignored(tmp_path, content):
    path = tmp_path / "t.json"
    path.write_text(content)
    assert hcl_grammar._read_tables(path) is None


def test_tables_are_stored_as_json_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = hcl_grammar.build(_Builder(hcl_grammar.STATE))
    (stored,) = (tmp_path / "iacscan" / "grammar").glob("hcl-tables-*.json")
    assert json.loads(stored.read_text())  # plain JSON data

    compile_grammar = hcl_grammar.compile_grammar

    def no_compiling(text, transformer):
        raise AssertionError("the stored tables should have been used")

    monkeypatch.setattr(hcl_grammar, "compile_grammar", no_compiling)
    loaded = hcl_grammar.build(_Builder(hcl_grammar.STATE))
    assert loaded.parse('x = "a"\n').attributes["x"].expr == ast.Literal("a")

    stored.write_text('{"d": [["data", {"d": []}], ["memo", 7]]}')  # JSON, but not tables
    monkeypatch.setattr(hcl_grammar, "compile_grammar", compile_grammar)
    rebuilt = hcl_grammar.build(_Builder(hcl_grammar.STATE))
    assert [t.name for t in rebuilt.terminals] == [t.name for t in built.terminals]
    assert hcl_grammar._read_tables(stored) is not None  # rewritten whole
    assert sorted(p.name for p in stored.parent.iterdir()) == [stored.name]  # no leftovers


def test_the_post_lexer_knows_the_terminals_by_name():
    patterns = {t.name: t.pattern.value for t in _parser().terminals}
    named = {**hcl_grammar._OPENERS, "__ANON_5": ".*", "__ANON_6": "[*]", "BANG": "!"}
    assert {name: patterns[name] for name in named} == named
    assert {"RPAR", "RSQB", "RBRACE", "QMARK", "COMMA", "COLON"} <= patterns.keys()
