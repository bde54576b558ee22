"""setup.cfg lists packages explicitly (rulesets/ maps to iacscan.rulesets): none forgotten."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_directory_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "iacscan").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found | {"iacscan.rulesets"} == listed
    assert (ROOT / "rulesets" / "__init__.py").is_file()
