"""Functions known only at apply time, or not reproducible here (Go's gzip bytes, secrets)."""

from __future__ import annotations

from typing import Any

from iacscan.terraform.functions._core import _Spec


def _unknowable(*_args: Any) -> None:
    return None


FUNCTIONS: dict[str, _Spec] = {
    "base64gzip": _Spec(_unknowable, 1, 1, impure=True),
    "bcrypt": _Spec(_unknowable, 1, 2, impure=True),
    "issensitive": _Spec(_unknowable, 1, 1, impure=True),
    "plantimestamp": _Spec(_unknowable, 0, 0, impure=True),
    "rsadecrypt": _Spec(_unknowable, 2, 2, impure=True),
    "timestamp": _Spec(_unknowable, 0, 0, impure=True),
    "uuid": _Spec(_unknowable, 0, 0, impure=True),
}
