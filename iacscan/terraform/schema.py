"""Provider schema types applied to evaluated resources, as Terraform converts them.

Terraform converts every configured value to its attribute's schema type before the provider
sees it: ``"80"`` read from a ``map(string)`` becomes the number 80 in ``from_port``, ``"true"``
a bool, a number in a string attribute a string (not a bool, see ``_to_string``).
``schema_types.json`` (written by
``tools/schema_table.py`` from ``terraform providers schema -json``) holds those types for the
resource types the rules and the graph read; other types are left as evaluated. Values that do
not convert stay as they are (Terraform would refuse the plan; the rules judge what is written).
Blocks that are Optional+Computed attributes (``ingress`` of a security group) are unknown when
the configuration writes none of them through ``dynamic`` blocks, as a plan shows them.
Security group rule protocols are written the provider's way (``6`` is ``"tcp"``).
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from iacscan.model.values import Unknown, is_unknown

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_TRUTH = {"true": True, "1": True, "false": False, "0": False}
# The provider's protocol names for security group rules (its state function; checked in a
# plan: 6 -> "tcp", "TCP" -> "tcp", "all" -> "-1"). NACLs and the vpc_security_group_*_rule
# resources keep what is written.
_SG_PROTOCOLS = {"-1": "-1", "all": "-1", "1": "icmp", "6": "tcp", "17": "udp", "50": "esp",
                 "51": "ah", "58": "icmpv6"}  # fmt: skip
_SG_PROTOCOL_PATHS = {
    "aws_security_group": ("ingress.protocol", "egress.protocol"),
    "aws_default_security_group": ("ingress.protocol", "egress.protocol"),
    "aws_security_group_rule": ("protocol",),
}


@functools.cache
def table() -> dict[str, dict[str, Any]]:
    text = resources.files("iacscan.terraform").joinpath("schema_types.json").read_text()
    return dict(json.loads(text))


@functools.cache
def _blocks(rtype: str) -> frozenset[str]:
    """Paths of the nested blocks whose members have types (``ingress``, ``a.b``)."""
    paths = (k.split(".") for k in table().get(rtype, {}) if "." in k)
    return frozenset(".".join(parts[:i]) for parts in paths for i in range(1, len(parts)))


def apply_schema(rtype: str, attrs: dict[str, Any], written: frozenset[str]) -> dict[str, Any]:
    """``attrs`` converted to the schema's types (``written``: names set with ``=``)."""
    types = table().get(rtype)
    if types is None:
        return attrs
    converted = _convert_body(rtype, attrs, types, "")
    for name in types.get("_computed_blocks", ()):
        if converted.get(name) == [] and name not in written:
            converted[name] = Unknown(f"{name}: no blocks written, the provider computes them")
    return converted


def _convert_body(
    rtype: str, attrs: dict[str, Any], types: dict[str, Any], prefix: str
) -> dict[str, Any]:
    result = {}
    for name, value in attrs.items():
        path = prefix + name
        kind = types.get(path)
        if isinstance(kind, str):
            result[name] = convert(value, kind)
            if path in _SG_PROTOCOL_PATHS.get(rtype, ()) and isinstance(result[name], str):
                result[name] = _SG_PROTOCOLS.get(result[name].lower(), result[name].lower())
        elif isinstance(value, list) and path in _blocks(rtype):
            result[name] = [
                _convert_body(rtype, item, types, path + ".") if isinstance(item, dict) else item
                for item in value
            ]
        else:
            result[name] = value
    return result


def convert(value: Any, kind: str) -> Any:
    """``value`` as the schema type ``kind`` (``number``, ``list(string)``...) if it converts."""
    if value is None or is_unknown(value):
        return value
    if kind.endswith(")"):
        outer, inner = kind[:-1].split("(", 1)
        if outer == "map" and isinstance(value, dict):
            return {k: convert(v, inner) for k, v in value.items()}
        if outer in ("list", "set") and isinstance(value, list):
            return [convert(v, inner) for v in value]
        return value
    if kind == "string":
        return _to_string(value)
    if kind == "number" and isinstance(value, str) and _NUMBER.fullmatch(value):
        if value.lstrip("-").isdigit():
            return int(value)
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "bool" and isinstance(value, str) and value in _TRUTH:
        return _TRUTH[value]
    return value


def _to_string(value: Any) -> Any:
    """Numbers become strings; a bool stays a bool: string-typed flags (a launch template's
    ``associate_public_ip_address``) would otherwise read ``"true"`` in one scan and ``true`` in
    another, and the rules test flags as bools."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value
