"""Variable interpolation: every form, ``.env`` under the environment, and unset variables
that become Unknown (so rules report undetermined, never pass)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.api import load
from iacscan.compose.interpolate import interpolate_text, parse_dotenv
from iacscan.model.values import Substituted, Unknown
from iacscan.scan import ScanOptions, scan

ENV = {"SET": "value", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("plain", "plain"),
        ("$SET", "value"),
        ("${SET}", "value"),
        ("a-${SET}-b", "a-value-b"),
        ("$$SET", "$SET"),
        ("cost: $$5", "cost: $5"),
        ("${UNSET:-default}", "default"),
        ("${EMPTY:-default}", "default"),
        ("${EMPTY-default}", ""),
        ("${UNSET-default}", "default"),
        ("${SET:-default}", "value"),
        ("${UNSET:-${SET}}", "value"),
        ("${SET:+alt}", "alt"),
        ("${UNSET:+alt}", ""),
        ("${EMPTY?msg}", ""),
        ("$1 and $", "$1 and $"),
    ],
)
def test_forms(text: str, result: str) -> None:
    assert interpolate_text(text, ENV) == result


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("${UNSET}", "variable UNSET is not set"),
        ("$UNSET/x", "variable UNSET is not set"),
        ("${UNSET:?set it first}", "variable UNSET is required: set it first"),
        ("${EMPTY:?}", "variable EMPTY is required: required"),
        ("${UNSET?no}", "variable UNSET is required: no"),
        ("${UNSET:-${ALSO_UNSET}}", "variable ALSO_UNSET is not set"),
        ("${SET", "unterminated ${ in '${SET'"),
        ("${1}", "invalid interpolation ${1}"),
    ],
)
def test_unset_without_default_is_unknown_not_empty(text: str, reason: str) -> None:
    assert interpolate_text(text, ENV) == Unknown(reason)


def test_values_from_the_environment_are_marked_substituted() -> None:
    assert isinstance(interpolate_text("${SET}", ENV), Substituted)
    assert isinstance(interpolate_text("x${UNSET:-${SET}}", ENV), Substituted)
    assert not isinstance(interpolate_text("${UNSET:-written-in-file}", ENV), Substituted)
    assert not isinstance(interpolate_text("$$SET", ENV), Substituted)


def test_dotenv_syntax() -> None:
    text = (
        "# comment\nexport A=1\nB = 'two words'\nC=\"x # not a comment\"\nD=y # comment\n"
        "bad line\n9X=no\nE=\n"
    )
    assert parse_dotenv(text) == {
        "A": "1",
        "B": "two words",
        "C": "x # not a comment",
        "D": "y",
        "E": "",
    }


COMPOSE = """\
services:
  web:
    image: nginx:${TAG}
    privileged: ${PRIVILEGED:-false}
    ports:
      - "${HOST_IP:-127.0.0.1}:${PORT}:80"
"""


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (tmp_path / ".env").write_text("TAG=1.25\nPORT=8080\n", encoding="utf-8")
    result = load([tmp_path], environ={"TAG": "1.27", "HOST_IP": "0.0.0.0"}, use_cache=False)
    web = next(r for r in result.resources if r.address == "service.web")
    assert web.attrs["image"] == "nginx:1.27"
    assert web.attrs["privileged"] is False
    port = web.attrs["ports"][0]
    assert (port["host_ip"], port["published"], port["target"]) == ("0.0.0.0", 8080, 80)


def test_unset_variable_gives_undetermined_findings(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    result = scan(
        [tmp_path],
        ScanOptions(rules=["IAC-COMPOSE-013", "IAC-COMPOSE-020"], environ={}, use_cache=False),
    )
    web = next(r for r in result.loaded.resources if r.address == "service.web")  # type: ignore[union-attr]
    assert web.attrs["image"] == Unknown("variable TAG is not set")
    assert web.attrs["ports"] == [Unknown("variable PORT is not set")]
    assert result.findings == []
    assert [(f.rule_id, f.location.line, f.status) for f in result.undetermined] == [
        ("IAC-COMPOSE-013", 3, "undetermined"),
        ("IAC-COMPOSE-020", 5, "undetermined"),
    ]
    assert result.undetermined[0].evidence == ("image = (unknown: variable TAG is not set)",)
