"""Safe YAML loading with spans: merge keys, anchors, limits and errors with lines."""

from __future__ import annotations

import textwrap

import pytest

from iacscan.compose import yamltree
from iacscan.compose.yamltree import LMap, YamlError, parse_yaml


def parse(text: str) -> LMap:
    document = parse_yaml(textwrap.dedent(text))
    assert isinstance(document, LMap)
    return document


def test_every_key_and_item_has_its_span() -> None:
    doc = parse(
        """\
        services:
          web:
            image: nginx:1.27
            command: |
              one
              two
            ports:
              - "80:80"
              - target: 443
                published: 8443

          db:
            image: postgres:16
        """
    )
    services = doc["services"]
    assert services.spans == {"web": (2, 10), "db": (12, 13)}
    web = services["web"]
    assert web.spans == {"image": (3, 3), "command": (4, 6), "ports": (7, 10)}
    assert web["ports"].spans == [(8, 8), (9, 10)]
    assert web["command"] == "one\ntwo\n"
    assert web["ports"][1] == {"target": 443, "published": 8443}


def test_merge_keys_take_the_line_of_the_merge_and_own_keys_win() -> None:
    doc = parse(
        """\
        x-base: &base
          privileged: true
          image: base:1
        x-more: &more
          user: root
          image: more:1
        services:
          web:
            <<: [*base, *more]
            image: web:1
        """
    )
    web = doc["services"]["web"]
    assert dict(web) == {"image": "web:1", "privileged": True, "user": "root"}
    assert web.spans == {"image": (10, 10), "privileged": (9, 9), "user": (9, 9)}


def test_aliases_are_resolved_to_equal_values() -> None:
    doc = parse(
        """\
        x-env: &env {A: "1"}
        services:
          a: {environment: *env}
          b: {environment: *env}
        """
    )
    assert doc["services"]["a"]["environment"] == doc["services"]["b"]["environment"] == {"A": "1"}


def test_alias_bomb_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    with pytest.raises(YamlError) as error:
        parse_yaml("\n".join(lines) + "\n")
    assert error.value.line == 6  # a5: the first entry expanding past the limit
    assert "more than 200000 values (alias bomb?)" in error.value.message


def test_huge_document_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamltree, "MAX_BYTES", 10)
    with pytest.raises(YamlError, match="larger than"):
        parse_yaml("services: {web: {image: nginx}}\n")


def test_syntax_error_has_its_line() -> None:
    with pytest.raises(YamlError) as error:
        parse_yaml("services:\n  web:\n    image: [nginx\n  db: {}\n")
    assert error.value.line == 4
    assert error.value.message.startswith("invalid YAML: ")


def test_python_tags_are_refused_not_constructed() -> None:
    with pytest.raises(YamlError) as error:
        parse_yaml('services:\n  web: !!python/object/apply:os.system ["true"]\n')
    assert (error.value.line, error.value.message) == (
        2,
        "unsupported tag tag:yaml.org,2002:python/object/apply:os.system",
    )


def test_compose_tags_are_kept_on_the_key() -> None:
    doc = parse(
        """\
        services:
          web:
            ports: !reset []
            environment: !override
              A: "1"
        """
    )
    assert doc["services"]["web"].tags == {"ports": "!reset", "environment": "!override"}


def test_empty_document_and_scalars() -> None:
    assert parse_yaml("") is None
    doc = parse("a: 1\nb: 1.5\nc: yes\nd: ~\ne: 2024-01-02\nf: '08'\n")
    assert dict(doc) == {"a": 1, "b": 1.5, "c": True, "d": None, "e": "2024-01-02", "f": "08"}
