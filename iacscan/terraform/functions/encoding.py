"""Encoding functions: JSON, base64, text encodings, URLs and CSV."""

from __future__ import annotations

import base64
import binascii
import codecs
import csv
import io
import json
import math
import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from iacscan.model.values import Unknown, is_wholly_known, type_name, unknown_from
from iacscan.terraform.budget import check_depth
from iacscan.terraform.functions._core import (
    FunctionError,
    _from_decimal,
    _number_text,
    _Spec,
    _string,
)

_JSON_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_JSON_HTML_ESCAPES["\u2029"] = "\\u2029"
_JSON_HTML_RE = re.compile("[<>&\u2028\u2029]")


def _json_text(value: Any) -> str:
    """Go's encoding/json: compact, keys sorted, ``<>&`` escaped, numbers never ``1e+20``."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isinf(value):
            raise FunctionError("cannot serialize infinity as JSON")
        return _number_text(value)
    if isinstance(value, str):
        encoded = json.dumps(value, ensure_ascii=False)
        return _JSON_HTML_RE.sub(lambda m: _JSON_HTML_ESCAPES[m.group(0)], encoded)
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_json_text(k)}:{_json_text(value[k])}" for k in sorted(value))
        return "{" + ",".join(items) + "}"
    raise FunctionError(f"cannot encode {type_name(value)} as JSON")


def _jsonencode(value: Any) -> Any:
    if not is_wholly_known(value):
        unknown = unknown_from("jsonencode() of a value with unknown parts", value)
        return Unknown(unknown.reason, unknown.refs, encodes=value)
    return _json_text(value)


def _reject_constant(name: str) -> Any:
    raise FunctionError(f"invalid character {name[0]!r} looking for beginning of value")


def _jsondecode(text: Any) -> Any:
    try:
        value = json.loads(
            _string(text),
            parse_float=lambda s: _from_decimal(Decimal(s)),
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise FunctionError(str(exc)) from None
    return check_depth(value, "jsondecode() result")


def _base64encode(text: Any) -> str:
    return base64.b64encode(_string(text).encode()).decode("ascii")


def _b64decode(encoded: str) -> bytes:
    """Strict padding and alphabet, but line breaks are ignored anywhere, as in Go."""
    try:
        return base64.b64decode(encoded.replace("\r", "").replace("\n", ""), validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII character
        raise binascii.Error(encoded) from None


def _base64decode(text: Any) -> str:
    encoded = _string(text)
    try:
        raw = _b64decode(encoded)
    except binascii.Error:
        raise FunctionError(f"failed to decode base64 data {encoded!r}") from None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise FunctionError(
            "the result of decoding the provided string is not valid UTF-8"
        ) from None


def _codec(name: Any) -> str:
    encoding = _string(name)
    if encoding.lower().replace("_", "-") == "utf-16":
        return "utf-16-be"  # Go's "UTF-16" is big-endian with a BOM; the BOM is added below
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise FunctionError(f"{encoding!r} is not a supported IANA encoding name") from None


def _textencodebase64(text: Any, encoding: Any) -> str:
    codec = _codec(encoding)
    try:
        raw = _string(text).encode(codec)
    except UnicodeEncodeError:
        raise FunctionError(
            f"the given string contains characters that cannot be represented in {encoding}"
        ) from None
    if codec == "utf-16-be" and _string(encoding).lower().replace("_", "-") == "utf-16":
        raw = b"\xfe\xff" + raw
    return base64.b64encode(raw).decode("ascii")


def _textdecodebase64(text: Any, encoding: Any) -> str:
    try:
        raw = _b64decode(_string(text))
        return raw.decode(_codec(encoding))
    except (binascii.Error, UnicodeDecodeError):
        raise FunctionError(
            f"the given value is not valid base64-encoded {encoding} text"
        ) from None


def _urlencode(text: Any) -> str:
    return quote_plus(_string(text), safe="")


def _csvdecode(text: Any) -> list[dict[str, str]]:
    try:
        reader = csv.reader(io.StringIO(_string(text), newline=""), strict=True)
        rows = [row for row in reader if row]
    except csv.Error as exc:
        raise FunctionError(f"CSV parse error: {exc}") from None
    if not rows:
        raise FunctionError("missing header line")
    header = rows[0]
    duplicates = {name for name in header if header.count(name) > 1}
    if duplicates:
        raise FunctionError(f"duplicate column name {sorted(duplicates)[0]!r}")
    result = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise FunctionError(f"CSV parse error on line {number}: wrong number of fields")
        result.append(dict(zip(header, row, strict=True)))
    return result


FUNCTIONS: dict[str, _Spec] = {
    "base64decode": _Spec(_base64decode, 1, 1),
    "base64encode": _Spec(_base64encode, 1, 1),
    "csvdecode": _Spec(_csvdecode, 1, 1),
    "jsondecode": _Spec(_jsondecode, 1, 1),
    "jsonencode": _Spec(_jsonencode, 1, 1, nulls=True),
    "textdecodebase64": _Spec(_textdecodebase64, 2, 2),
    "textencodebase64": _Spec(_textencodebase64, 2, 2),
    "urlencode": _Spec(_urlencode, 1, 1),
}
