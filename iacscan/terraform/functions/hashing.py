"""Hash and crypto functions."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from iacscan.terraform.functions._core import FunctionError, _Spec, _string


def _hexdigest(algorithm: str) -> Callable[[Any], str]:
    def digest(text: Any) -> str:
        return hashlib.new(algorithm, _string(text).encode()).hexdigest()

    return digest


def _b64digest(algorithm: str) -> Callable[[Any], str]:
    def digest(text: Any) -> str:
        raw = hashlib.new(algorithm, _string(text).encode()).digest()
        return base64.b64encode(raw).decode("ascii")

    return digest


_UUID_NAMESPACES = {
    "dns": uuid.NAMESPACE_DNS,
    "url": uuid.NAMESPACE_URL,
    "oid": uuid.NAMESPACE_OID,
    "x500": uuid.NAMESPACE_X500,
}


def _uuidv5(namespace: Any, name: Any) -> str:
    space = _string(namespace)
    try:
        base = _UUID_NAMESPACES.get(space) or uuid.UUID(space)
    except ValueError:
        raise FunctionError(f"uuidv5() doesn't support namespace {space!r}") from None
    return str(uuid.uuid5(base, _string(name)))


FUNCTIONS: dict[str, _Spec] = {
    "base64sha256": _Spec(_b64digest("sha256"), 1, 1),
    "base64sha512": _Spec(_b64digest("sha512"), 1, 1),
    "md5": _Spec(_hexdigest("md5"), 1, 1),
    "sha1": _Spec(_hexdigest("sha1"), 1, 1),
    "sha256": _Spec(_hexdigest("sha256"), 1, 1),
    "sha512": _Spec(_hexdigest("sha512"), 1, 1),
    "uuidv5": _Spec(_uuidv5, 2, 2),
}
