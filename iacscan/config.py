"""``.iacscan.yml``: project defaults for ``iacscan scan``; command-line options win.

Looked up in the scanned root, then the current directory, unless ``--config`` names a file.
A settings file is often the scanned repository's own, so it is read as untrusted input:
every value is checked for type and vocabulary (a typo such as ``fail_on: hgih`` must not
quietly change what fails the gate), and the files it names (``var_files``, ``baseline``)
must stay inside the directory that holds it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from iacscan.model import SEVERITIES

CONFIG_NAME = ".iacscan.yml"
FORMATS = ("table", "json", "sarif", "junit", "github")
MAX_BYTES = 1_000_000


class ConfigError(ValueError):
    pass


def _choice(options: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, str) and value.lower() in options:
            return None
        return f"must be one of {', '.join(options)}, got {value!r}"

    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {value!r}"


def _text(value: Any) -> str | None:
    return (
        None if isinstance(value, str) and value else f"must be a non-empty string, got {value!r}"
    )


def _texts(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"must be a list of strings, got {type(value).__name__}"
    bad = next((v for v in value if not isinstance(v, str) or not v), None)
    return None if bad is None and all(value) else f"must be a list of strings, has {bad!r}"


def _vars(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be a mapping of variable names to values, got {type(value).__name__}"
    for name, item in value.items():
        if not isinstance(name, str) or not name:
            return f"has a variable name that is not a string: {name!r}"
        if not isinstance(item, (str, int, float, bool)):
            return f"{name} must be a string, number or bool, got {type(item).__name__}"
    return None


def _registries(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) - {"allowed"}:
        return "takes one key, allowed: a list of registries"
    problem = _texts(value.get("allowed", []))
    return f"allowed {problem}" if problem else None


CHECKS: dict[str, Callable[[Any], str | None]] = {
    "format": _choice(FORMATS),
    "fail_on": _choice(SEVERITIES),
    "min_severity": _choice(SEVERITIES),
    "rules": _texts,
    "skip_rules": _texts,
    "skip_categories": _texts,
    "skip_paths": _texts,
    "var_files": _texts,
    "vars": _vars,
    "baseline": _text,
    "strict": _flag,
    "show_undetermined": _flag,
    "show_suppressed": _flag,
    "fail_on_error": _flag,
    "soft_fail": _flag,
    "allow_no_rules": _flag,
    "registries": _registries,  # {"allowed": [registry or registry/path prefix or glob, ...]}
}
KEYS = frozenset(CHECKS)


def find_config(explicit: Path | None, roots: list[Path]) -> Path | None:
    if explicit is not None:
        return explicit
    for directory in [*roots, Path.cwd()]:
        candidate = (directory if directory.is_dir() else directory.parent) / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _document(path: Path) -> dict[Any, Any]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES} bytes")
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return document


def read_config(path: Path) -> dict[str, Any]:
    """The validated settings of a config file (unknown keys and wrong values are errors)."""
    settings: dict[str, Any] = {}
    for key, value in _document(path).items():
        name = str(key).replace("-", "_")
        if name not in CHECKS:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(sorted(KEYS))})")
        problem = CHECKS[name](value)
        if problem:
            raise ConfigError(f"{path}: {key} {problem}")
        settings[name] = value.lower() if name in ("format", "fail_on", "min_severity") else value
    if "vars" in settings:
        settings["vars"] = {k: _var_text(v) for k, v in settings["vars"].items()}
    base = path.parent
    if "var_files" in settings:
        settings["var_files"] = [
            str(inside(base, f, path, "var_files")) for f in settings["var_files"]
        ]
    if "baseline" in settings:
        settings["baseline"] = str(inside(base, settings["baseline"], path, "baseline"))
    return settings


def _var_text(value: str | float | bool) -> str:
    """A settings value as ``--var`` text, which the declared type then converts."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def inside(base: Path, name: str, config: Path, key: str) -> Path:
    """``name`` relative to ``base``; refused when it leaves ``base`` (absolute, ``..``,
    or a symbolic link pointing out): a repository's settings read nothing outside it."""
    target = base / name
    root = os.path.realpath(base)
    if os.path.isabs(name) or os.path.commonpath([root, os.path.realpath(target)]) != root:
        raise ConfigError(
            f"{config}: {key} {name!r} is outside {base or '.'}; name a file inside it"
        )
    return target
