"""``.iacscan.yml``: project defaults for ``iacscan scan``; command-line options win.

Looked up in the scanned root, then the current directory, unless ``--config`` names a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONFIG_NAME = ".iacscan.yml"
KEYS = {
    "format": str,
    "fail_on": str,
    "min_severity": str,
    "rules": list,
    "skip_rules": list,
    "var_files": list,
    "vars": dict,
    "baseline": str,
    "strict": bool,
    "show_undetermined": bool,
    "show_suppressed": bool,
    "fail_on_error": bool,
    "registries": dict,  # {"allowed": [registry or registry/path prefix or glob, ...]}
    "aws_context": object,  # true, or {profile, region, cache_ttl}: checked by iacscan.aws
}


class ConfigError(ValueError):
    pass


def find_config(explicit: Path | None, roots: list[Path]) -> Path | None:
    if explicit is not None:
        return explicit
    for directory in [*roots, Path.cwd()]:
        candidate = (directory if directory.is_dir() else directory.parent) / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def read_config(path: Path) -> dict[str, Any]:
    """The validated settings of a config file (unknown keys and wrong types are errors)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    settings: dict[str, Any] = {}
    for key, value in document.items():
        name = str(key).replace("-", "_")
        if name not in KEYS:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(sorted(KEYS))})")
        if not isinstance(value, KEYS[name]):
            raise ConfigError(f"{path}: {key} must be a {KEYS[name].__name__}")
        settings[name] = value
    registries = settings.get("registries", {})
    allowed = registries.get("allowed", [])
    if set(registries) - {"allowed"} or not isinstance(allowed, list):
        raise ConfigError(f"{path}: registries takes one key, allowed: a list of registries")
    base = path.parent
    if "var_files" in settings:
        settings["var_files"] = [str(base / f) for f in settings["var_files"]]
    if "baseline" in settings:
        settings["baseline"] = str(base / settings["baseline"])
    return settings
