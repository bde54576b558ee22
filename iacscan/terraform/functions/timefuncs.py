"""Date and time functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from iacscan.terraform.functions._core import FunctionError, _Spec, _string

_RFC3339_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
_DURATION_RE = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1, "us": 10**3, "\u00b5s": 10**3, "\u03bcs": 10**3, "ms": 10**6}
_DURATION_UNITS |= {"s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


@dataclass(frozen=True)
class _Instant:
    moment: datetime  # whole seconds, in the timestamp's own offset
    nanos: int
    utc: bool

    def key(self) -> tuple[datetime, int]:
        return self.moment, self.nanos

    def rfc3339(self) -> str:
        offset = self.moment.strftime("%z")
        zone = "Z" if self.utc or offset == "+0000" else f"{offset[:3]}:{offset[3:]}"
        return self.moment.strftime("%Y-%m-%dT%H:%M:%S") + zone


def _instant(value: Any) -> _Instant:
    text = _string(value)
    match = _RFC3339_RE.fullmatch(text)
    if match is None:
        raise FunctionError(f"not a valid RFC3339 timestamp: {text!r}")
    *fields, fraction, zone = match.groups()
    if zone == "Z":
        tz = timezone.utc
    else:
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    year, month, day, hour, minute, second = (int(f) for f in fields)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as exc:
        raise FunctionError(f"not a valid RFC3339 timestamp: {exc}") from None
    nanos = int((fraction or "0").ljust(9, "0")[:9])
    return _Instant(moment, nanos, zone == "Z")


def _duration_nanos(value: Any) -> int:
    text = _string(value)
    sign, body = (-1, text[1:]) if text[:1] == "-" else (1, text.removeprefix("+"))
    if body == "0":
        return 0
    total, pos = Decimal(0), 0
    for match in _DURATION_RE.finditer(body):
        if match.start() != pos or match.group(1) in ("", "."):
            break
        total += Decimal(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if pos != len(body) or not body:
        raise FunctionError(f"time: invalid duration {text!r}")
    return sign * int(total)


def _timeadd(timestamp: Any, duration: Any) -> str:
    start = _instant(timestamp)
    nanos = start.nanos + _duration_nanos(duration)
    try:
        moment = start.moment + timedelta(seconds=nanos // 10**9)
    except OverflowError:
        raise FunctionError("timeadd() result is out of range") from None
    return _Instant(moment, nanos % 10**9, start.utc).rfc3339()


def _timecmp(first: Any, second: Any) -> int:
    a, b = _instant(first).key(), _instant(second).key()
    return (a > b) - (a < b)


_MONTHS = "January February March April May June July August September October November December"
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
_DATE_TOKEN_RE = re.compile(r"'(?:[^']|'')*'?|([A-Za-z])\1*|[^A-Za-z']+")


def _date_verb(token: str, t: datetime, utc: bool) -> str:
    letter, size = token[0], len(token)
    hour12 = t.hour % 12 or 12
    numbers = {"M": t.month, "D": t.day, "h": t.hour, "H": hour12, "m": t.minute, "s": t.second}
    if letter in numbers and size <= 2:
        return f"{numbers[letter]:0{size}d}"
    if letter == "Y" and size in (2, 4):
        return f"{t.year % 100:02d}" if size == 2 else f"{t.year:04d}"
    if letter == "M" and size in (3, 4):
        name = _MONTHS.split()[t.month - 1]
        return name[:3] if size == 3 else name
    if letter == "E" and size in (3, 4):
        name = _WEEKDAYS.split()[t.weekday()]
        return name[:3] if size == 3 else name
    if letter in "Aa" and size == 2:
        marker = "AM" if t.hour < 12 else "PM"
        return marker if letter == "A" else marker.lower()
    if letter == "Z" and size in (1, 3, 4, 5):
        return _zone_text(t, size, utc)
    raise FunctionError(f"invalid date format verb {token!r}")


def _zone_text(t: datetime, size: int, utc: bool) -> str:
    offset = t.strftime("%z")
    colon = f"{offset[:3]}:{offset[3:]}"
    if size == 1:
        return "Z" if offset == "+0000" else colon
    if size == 3:
        return "UTC" if offset == "+0000" else offset
    return offset if size == 4 else colon


def _formatdate(spec: Any, timestamp: Any) -> str:
    instant, text = _instant(timestamp), _string(spec)
    out = []
    for match in _DATE_TOKEN_RE.finditer(text):
        token = match.group(0)
        if token.startswith("'"):
            if len(token) < 2 or not token.endswith("'") or token == "'":
                raise FunctionError("unterminated literal '")
            out.append("'" if token == "''" else token[1:-1].replace("''", "'"))
        elif token[0].isalpha():
            out.append(_date_verb(token, instant.moment, instant.utc))
        else:
            out.append(token)
    return "".join(out)


FUNCTIONS: dict[str, _Spec] = {
    "formatdate": _Spec(_formatdate, 2, 2),
    "timeadd": _Spec(_timeadd, 2, 2),
    "timecmp": _Spec(_timecmp, 2, 2),
}
