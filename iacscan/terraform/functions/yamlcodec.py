"""yamldecode and yamlencode.

yamldecode follows go-cty-yaml's resolver, which differs from PyYAML's YAML 1.1 rules;
yamlencode's layout comes from ``_yaml_emitter``.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import datetime
from typing import Any

import yaml

from iacscan.model.values import is_wholly_known, type_name, unknown_from
from iacscan.terraform.budget import check_depth
from iacscan.terraform.functions._core import (
    _NUMBER_RE,
    FunctionError,
    Number,
    _parse_number,
    _Spec,
    _string,
)
from iacscan.terraform.functions._yaml_emitter import _YamlEmitter

_YAML_STR = "tag:yaml.org,2002:str"
_YAML_TAGS = {_YAML_STR, "", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:bool"}
_YAML_TAGS |= {f"tag:yaml.org,2002:{t}" for t in ("int", "float", "null", "timestamp")}
_YAML_TRUE = ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")
_YAML_FALSE = ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")
_YAML_WORDS: dict[str, Any] = dict.fromkeys(_YAML_TRUE, True)
_YAML_WORDS |= dict.fromkeys(_YAML_FALSE, False)
_YAML_WORDS |= dict.fromkeys(("", "~", "null", "Null", "NULL"))
_YAML_WORDS |= dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf)
_YAML_WORDS |= dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf)
_YAML_INT_RE = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_YAML_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_YAML_TIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})"
    r"| ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?)?"
)
_MERGE = object()


def _yaml_timestamp(text: str) -> str | None:
    """Go's layouts ``2006-1-2T15:4:5Z07:00``, ``2006-1-2 15:4:5`` and ``2006-1-2`` as RFC 3339."""
    match = _YAML_TIME_RE.fullmatch(text)
    if match is None:
        return None
    g = match.groups()
    clock = g[3:6] if g[3] is not None else g[8:11] if g[8] is not None else ("0", "0", "0")
    zone = g[7] or "Z"
    year, month, day, hour, minute, second = (int(p) for p in (*g[:3], *clock))
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    offset = "Z" if zone in ("Z", "+00:00", "-00:00") else zone
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset


def _yaml_number(text: str) -> Number | None:
    plain = text.replace("_", "")
    parsed = _parse_number(plain) if _NUMBER_RE.fullmatch(plain) else None
    if parsed is not None:
        return parsed
    try:
        value = int(plain, 0)
    except ValueError:
        return None
    return value if -(2**63) <= value < 2**64 else None


def _yaml_scalar(tag: str, text: str, quoted: bool) -> Any:
    if tag not in _YAML_TAGS:
        raise FunctionError(f"unsupported tag {tag!r}")
    hint = text[:1] in "+-0123456789yYnNtTfFoO~." if text else True
    if hint and tag not in (_YAML_STR, "tag:yaml.org,2002:binary"):
        if quoted:
            return text
        if text in _YAML_WORDS:
            return _YAML_WORDS[text]
        if tag == "" and text in (".nan", ".NaN", ".NAN"):
            raise FunctionError("floating point NaN is not supported")
        tag = _yaml_resolve_tag(tag, text)
        if tag.startswith("!value:"):
            return _yaml_timestamp(text) if tag == "!value:timestamp" else _parse_number(text)
    if tag == "" and text == "<<":
        return _MERGE
    return _yaml_tagged(tag, text)


def _yaml_resolve_tag(tag: str, text: str) -> str:
    if text[:1] == ".":
        return "!value:number" if _parse_number(text) is not None else tag
    if text[:1] not in "+-0123456789":
        return tag
    if tag in ("", "tag:yaml.org,2002:timestamp") and _yaml_timestamp(text) is not None:
        return "!value:timestamp"
    if _YAML_INT_RE.fullmatch(text):
        return "tag:yaml.org,2002:int"
    if _YAML_FLOAT_RE.fullmatch(text):
        return "tag:yaml.org,2002:float"
    return tag


def _yaml_tagged(tag: str, text: str) -> Any:
    kind = tag.rsplit(":", 1)[-1]
    if kind == "binary":
        try:
            base64.b64decode(text, validate=True)
        except binascii.Error:
            raise FunctionError(f"cannot parse {text!r} as {tag}: not valid base64") from None
    if kind in ("", "str", "binary"):
        return text
    if kind == "null":
        return None
    value: Any = None
    if kind == "bool" and isinstance(_YAML_WORDS.get(text), bool):
        value = _YAML_WORDS[text]
    elif kind in ("int", "float"):
        value = _yaml_number(text)
    elif kind == "timestamp":
        value = _yaml_timestamp(text)
    if value is None:
        raise FunctionError(f"cannot parse {text!r} as {tag}")
    return value


class _YamlLoader(yaml.SafeLoader):
    """PyYAML's parser and composer with resolution deferred to go-cty-yaml's rules."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            return ""
        return super().resolve(kind, value, implicit)


class _YamlConverter:
    def __init__(self) -> None:
        self.budget = 100_000
        self.active: set[int] = set()

    def convert(self, node: yaml.Node) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise FunctionError("document contains excessive aliasing")
        if id(node) in self.active:
            raise FunctionError("document contains a recursive alias")
        if isinstance(node, yaml.ScalarNode):
            # only plain scalars are resolved: quoted and block (| >) scalars stay strings
            return _yaml_scalar(node.tag, node.value, node.style is not None)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                self._check_tag(node, "seq")
                return [self.plain(item) for item in node.value]
            self._check_tag(node, "map")
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node)
        finally:
            self.active.discard(id(node))

    def plain(self, node: yaml.Node) -> Any:
        value = self.convert(node)
        if value is _MERGE:
            return "<<"
        return value

    @staticmethod
    def _check_tag(node: yaml.Node, kind: str) -> None:
        if node.tag != f"tag:yaml.org,2002:{kind}":
            what = "mapping" if kind == "map" else "sequence"
            raise FunctionError(f"can't interpret {what} as {node.tag}")

    def mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node) if isinstance(key_node, yaml.ScalarNode) else []
            if key is _MERGE:
                merged = self.convert(value_node)
                if not isinstance(merged, dict):
                    raise FunctionError(f"cannot merge {type_name(merged)} into mapping")
                result.update(merged)
                continue
            if key is None:
                raise FunctionError("mapping key cannot be null")
            if isinstance(key, (list, dict)):
                raise FunctionError("only strings are allowed as mapping keys")
            result[_string(key)] = self.plain(value_node)
        return result


def _yamldecode(text: Any) -> Any:
    try:
        node = yaml.compose(_string(text), Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        raise FunctionError(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    if node is None:
        raise FunctionError("on line 1, column 1: missing start of document")
    return check_depth(_YamlConverter().plain(node), "yamldecode() result")


def _yamlencode(value: Any) -> Any:
    if not is_wholly_known(value):
        return unknown_from("yamlencode() of a value with unknown parts", value)
    return _YamlEmitter().document(value)


FUNCTIONS: dict[str, _Spec] = {
    "yamldecode": _Spec(_yamldecode, 1, 1),
    "yamlencode": _Spec(_yamlencode, 1, 1, nulls=True),
}
