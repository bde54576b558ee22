"""Compose's merge rules, for override files and ``extends``, on canonical services.

Mappings merge key by key; ``command``, ``entrypoint`` and ``healthcheck.test`` are
replaced; sequences whose entries have an identity (a port mapping, a mount's target, a
secret's target, a capability) are merged on it, the later file winning; other sequences
are appended. Compose's ``!reset`` tag removes a value, ``!override`` replaces it whole.
Every attribute keeps the span, tagged with its file, of the definition it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TSpan = tuple[str, int, int]  # file, line, end_line
Spans = dict[str, TSpan]

REPLACED = frozenset({"command", "entrypoint", "healthcheck.test"})


def _port_identity(item: Any) -> Any:
    if not isinstance(item, dict):
        return repr(item)
    fields = ("host_ip", "published", "published_end", "target", "target_end", "protocol")
    return tuple(repr(item.get(f)) for f in fields)


def _field(name: str, fallback: str = "") -> Callable[[Any], Any]:
    def identity(item: Any) -> Any:
        if isinstance(item, dict):
            return repr(item.get(name) or item.get(fallback))
        return repr(item)

    return identity


IDENTITIES: dict[str, Callable[[Any], Any]] = {
    "ports": _port_identity,
    "volumes": _field("target"),
    "devices": _field("target"),
    "secrets": _field("target", "source"),
    "configs": _field("target", "source"),
    "env_file": _field("path"),
    "cap_add": repr,
    "cap_drop": repr,
    "security_opt": repr,
    "expose": repr,
    "dns": repr,
    "dns_search": repr,
    "external_links": repr,
    "tmpfs": repr,
    "profiles": repr,
}


def under(spans: Spans, path: str) -> Spans:
    """The spans of ``path`` and of everything nested in it."""
    return {p: s for p, s in spans.items() if p == path or p.startswith((f"{path}.", f"{path}["))}


def _moved(spans: Spans, old: str, new: str) -> Spans:
    return {new + p[len(old) :]: s for p, s in under(spans, old).items()}


def merge(
    base: tuple[dict[str, Any], Spans],
    over: tuple[dict[str, Any], Spans],
    tags: dict[str, str] | None = None,
) -> tuple[dict[str, Any], Spans]:
    """``over`` merged onto ``base``; ``tags`` holds ``!reset``/``!override`` by key."""
    attrs, spans = dict(base[0]), dict(base[1])
    for key, new in over[0].items():
        tag = (tags or {}).get(key, "")
        for path in under(spans, key):
            del spans[path]
        if tag == "!reset":
            attrs.pop(key, None)
            continue
        if key in attrs and tag != "!override":
            value, merged_spans = _merge_value(key, attrs[key], new, base[1], over[1])
            spans.update(merged_spans)
        else:
            value = new
            spans.update(under(over[1], key))
        attrs[key] = value
    return attrs, spans


def _merge_value(path: str, old: Any, new: Any, old_spans: Spans, new_spans: Spans) -> Any:
    """(merged value, its spans) for one attribute present on both sides."""
    if path in REPLACED:
        return new, under(new_spans, path)
    if isinstance(old, dict) and isinstance(new, dict):
        value = dict(old)
        spans = under(old_spans, path)
        spans.pop(path, None)
        for key, item in new.items():
            sub = f"{path}.{key}"
            for stale in under(spans, sub):
                del spans[stale]
            if key in value:
                value[key], sub_spans = _merge_value(sub, value[key], item, old_spans, new_spans)
                spans.update(sub_spans)
            else:
                value[key] = item
                spans.update(under(new_spans, sub))
        if path in new_spans:
            spans[path] = new_spans[path]
        return value, spans
    if isinstance(old, list) and isinstance(new, list):
        return _merge_list(path, old, new, old_spans, new_spans)
    return new, under(new_spans, path)


def _merge_list(
    path: str, old: list[Any], new: list[Any], old_spans: Spans, new_spans: Spans
) -> tuple[list[Any], Spans]:
    identity = IDENTITIES.get(path.rsplit(".", 1)[-1] if "." in path else path)
    replaced = {identity(item) for item in new} if identity else set()
    value: list[Any] = []
    spans: Spans = {path: new_spans[path]} if path in new_spans else {}
    for i, item in enumerate(old):
        if identity and identity(item) in replaced:
            continue
        spans.update(_moved(old_spans, f"{path}[{i}]", f"{path}[{len(value)}]"))
        value.append(item)
    for i, item in enumerate(new):
        spans.update(_moved(new_spans, f"{path}[{i}]", f"{path}[{len(value)}]"))
        value.append(item)
    return value, spans
