"""``.iacscan.yml``: validated settings, paths relative to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.config import ConfigError, find_config, read_config


def test_settings_are_read_and_paths_made_relative_to_the_file(tmp_path):
    config = tmp_path / ".iacscan.yml"
    config.write_text(
        "fail-on: high\nskip_rules: [IAC-AWS-SG-007]\nvar_files: [prod.tfvars]\nbaseline: base.json\n"
    )
    assert read_config(config) == {
        "fail_on": "high",
        "skip_rules": ["IAC-AWS-SG-007"],
        "var_files": [str(tmp_path / "prod.tfvars")],
        "baseline": str(tmp_path / "base.json"),
    }
    assert find_config(None, [tmp_path]) == config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour: true\n", "unknown setting 'colour'"),
        ("strict: yes-please\n", "strict must be true or false"),
        ("- a\n", "expected a mapping of settings"),
        ("a: [\n", "while parsing"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path, text, message):
    config = tmp_path / ".iacscan.yml"
    config.write_text(text)
    with pytest.raises(ConfigError) as info:
        read_config(config)
    assert message in str(info.value)


def test_registries_setting_reaches_the_checks(tmp_path: Path) -> None:
    config = tmp_path / ".iacscan.yml"
    config.write_text("registries:\n  allowed: [ghcr.io/acme]\n")
    assert read_config(config)["registries"] == {"allowed": ["ghcr.io/acme"]}
    config.write_text("registries:\n  allow: [ghcr.io]\n")
    with pytest.raises(ConfigError, match="registries takes one key"):
        read_config(config)
