"""The pre-commit hook's file filter picks Terraform and Compose files, nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

HOOKS = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
)


@pytest.mark.parametrize(
    ("path", "picked"),
    [
        ("main.tf", True),
        ("env/prod.tfvars", True),
        ("stack/main.tf.json", True),
        ("compose.yaml", True),
        ("app/docker-compose.yml", True),
        ("app/docker-compose.override.yml", True),
        ("deploy/compose.prod.yaml", True),
        ("README.md", False),
        ("ci/workflow.yaml", False),
        ("my-compose-notes.txt", False),
        ("notcompose.yaml", False),
    ],
)
def test_files_filter(path: str, picked: bool) -> None:
    (hook,) = HOOKS
    assert bool(re.search(hook["files"], path)) is picked
