"""One service, network or volume definition -> canonical attributes and attribute spans.

The YAML tree (``LMap``/``LList`` after interpolation) is read once here; rules, the graph
and reachability only see the canonical dict. ``spans`` maps attribute paths
(``ports[1]``, ``environment.DB_PASSWORD``, ``deploy.resources.limits.memory``) to their
(line, end_line) in the file the definition came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iacscan.compose.syntax import (
    SyntaxProblem,
    capability,
    environment_entry,
    parse_device,
    parse_port,
    parse_volume,
    scalar_text,
    security_option,
)
from iacscan.compose.yamltree import LList, LMap, Span
from iacscan.model.values import Unknown

BOOLEANS = ("privileged", "read_only", "init", "tty", "stdin_open", "oom_kill_disable")
TEXTS = ("user", "image", "network_mode", "pid", "ipc", "uts", "userns_mode")  # ``user: 0``


@dataclass
class Normalized:
    """Canonical attributes, their spans, and (line, message) for entries Compose rejects."""

    attrs: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, Span] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)


def plain(value: Any, path: str, spans: dict[str, Span]) -> Any:
    """Plain data from the tree, recording the span of every nested key and item."""
    if isinstance(value, LMap):
        result = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in value.spans:
                spans[sub] = value.spans[key]
            result[str(key)] = plain(item, sub, spans)
        return result
    if isinstance(value, LList):
        items = []
        for i, item in enumerate(value):
            spans[f"{path}[{i}]"] = value.spans[i]
            items.append(plain(item, f"{path}[{i}]", spans))
        return items
    return value


def _named_ref(item: Any) -> Any:
    """``secrets``/``configs`` entries: ``name`` or ``{source, target, ...}``."""
    return {"source": item} if isinstance(item, str) else item


def _env_file(item: Any) -> Any:
    if isinstance(item, str):
        return {"path": item, "required": True}
    return item


LIST_PARSERS: dict[str, Callable[[Any], Any]] = {
    "ports": parse_port,
    "volumes": parse_volume,
    "devices": parse_device,
    "cap_add": capability,
    "cap_drop": capability,
    "security_opt": security_option,
    "secrets": _named_ref,
    "configs": _named_ref,
    "env_file": _env_file,
}


def _as_list(value: Any) -> Any:
    if isinstance(value, (LList, Unknown)):
        return value
    single = LList([value])
    single.spans = [getattr(value, "span", (0, 0))]
    return single


def _parsed_list(key: str, value: Any, span: Span, out: Normalized) -> Any:
    value = _as_list(value)
    if isinstance(value, Unknown):
        return value
    items: list[Any] = []
    for i, item in enumerate(value):
        item_span = value.spans[i] if value.spans[i][0] else span
        try:
            parsed = LIST_PARSERS[key](plain(item, "", {}))
        except SyntaxProblem as problem:
            out.problems.append((item_span[0], f"{key}: {problem}"))
            continue
        out.spans[f"{key}[{len(items)}]"] = item_span
        items.append(parsed)
    return items


def _keyed(key: str, value: Any, span: Span, out: Normalized, list_item: Callable) -> Any:
    """A key that may be a list or a map (``environment``, ``networks``, ``depends_on``)."""
    if isinstance(value, Unknown) or value is None:
        return value if value is not None else {}
    if isinstance(value, LMap):
        return plain(value, key, out.spans)
    if not isinstance(value, LList):  # Compose refuses ``environment: 5`` too
        out.problems.append((span[0], f"{key} must be a list or a mapping, ignored"))
        return {}
    result: dict[str, Any] = {}
    for i, item in enumerate(value):
        entry = list_item(item)
        if entry is None:
            out.problems.append((value.spans[i][0], f"{key}: entry is unknown, skipped"))
            continue
        name, data = entry
        result[name] = data
        out.spans[f"{key}.{name}"] = value.spans[i] if value.spans[i][0] else span
    return result


def _environment(out: Normalized, value: Any, span: Span) -> Any:
    env = _keyed("environment", value, span, out, environment_entry)
    if isinstance(env, dict):
        env = {k: scalar_text(v) for k, v in env.items()}
    return env


def _name_entry(item: Any) -> tuple[str, Any] | None:
    return (str(item), {}) if isinstance(item, (str, int)) else None


def normalize_service(raw: LMap) -> Normalized:
    """A service definition in canonical form (``extends`` must be resolved before)."""
    out = Normalized()
    for name, value in raw.items():
        key = str(name)
        span = raw.spans.get(key, raw.span)
        out.spans[key] = span
        if key in LIST_PARSERS:
            out.attrs[key] = _parsed_list(key, value, span, out)
        elif key == "environment":
            out.attrs[key] = _environment(out, value, span)
        elif key in ("networks", "depends_on"):
            networks = _keyed(key, value, span, out, _name_entry)
            if isinstance(networks, dict):
                networks = {k: v if isinstance(v, dict) else {} for k, v in networks.items()}
            out.attrs[key] = networks
        elif key == "build" and isinstance(value, str):
            out.attrs[key] = {"context": value}
        elif key in TEXTS:
            out.attrs[key] = scalar_text(value)
        elif key in BOOLEANS and isinstance(value, str):
            lowered = value.strip().lower()
            out.attrs[key] = {"true": True, "false": False}.get(lowered, value)
        else:
            out.attrs[key] = plain(value, key, out.spans)
    return out


def normalize_definition(raw: Any) -> Normalized:
    """A top-level ``networks``/``volumes``/``secrets`` entry: plain data with spans."""
    out = Normalized()
    if isinstance(raw, (LMap, Unknown)):
        out.attrs = plain(raw, "", out.spans) if isinstance(raw, LMap) else {"value": raw}
    return out
