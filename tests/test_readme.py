"""The README's examples are real output: each block is compared with what the command it
names prints today, so a change that alters an example fails here, not in a user's terminal.
docs/rules.md must list exactly the shipped rules."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from iacscan.cli import main
from iacscan.config import read_config
from iacscan.rules.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    """Fenced blocks of one language (``""`` for unlabelled), indentation removed."""
    found = []
    for match in re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", README, re.S | re.M):
        if match.group(2) == language:
            indent = len(match.group(1))
            found.append("\n".join(line[indent:] for line in match.group(3).splitlines()))
    return found


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout


def test_first_screen_scan_of_the_bundled_example(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert "python -m pip install . && iacscan scan fixtures/example" in README
    code, out = _run("scan", "fixtures/example", "--no-color")
    assert code == 1  # README: "exit code 1: it has findings"
    example = next(b for b in _blocks("") if "IAC-AWS-EXPOSURE-006" in b)
    lines = [line.rstrip() for line in out.splitlines()]
    for line in example.splitlines():
        assert line.rstrip() in lines, line


def test_mermaid_example_is_the_real_export(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    command = (
        "iacscan graph fixtures/graph/shop --format mermaid --exposure-only --collapse-instances"
    )
    assert command in " ".join(README.split())
    (block,) = _blocks("mermaid")
    code, out = _run(*command.split()[1:])
    assert code == 0
    assert out.strip() == block.strip()


def test_settings_example_is_valid(tmp_path: Path) -> None:
    (block,) = [b for b in _blocks("yaml") if b.startswith("# .iacscan.yml")]
    config = tmp_path / ".iacscan.yml"
    config.write_text(block)
    settings = read_config(config)
    assert settings["skip_categories"] == ["hardening"]
    assert settings["public_ports"] == [80, 443, 8443]


def test_local_pre_commit_hook_matches_the_shipped_one() -> None:
    (block,) = [b for b in _blocks("yaml") if "repo: local" in b]
    (hook,) = yaml.safe_load(block)["repos"][0]["hooks"]
    (shipped,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["files"]) == (
        shipped["id"],
        shipped["entry"],
        shipped["files"],
    )


def test_rules_catalogue_in_docs_lists_every_rule() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| (IAC-[A-Z0-9-]+) \| (\w+) \| (.+) \|$", text, re.M)
    shipped = [(r.id, r.severity, r.title) for r in sorted(load_rules(), key=lambda r: r.id)]
    assert listed == shipped
    count = re.search(r"\): (\d+) rules as YAML data", README)
    assert count is not None and int(count.group(1)) == len(shipped)
