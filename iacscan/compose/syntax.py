"""Short and long syntaxes of the Compose service keys, each turned into one canonical shape.

Rules then judge one shape whatever the author wrote: a port is always ``{target,
target_end, published, published_end, host_ip, protocol, mode}``, a mount always ``{type,
source, target, read_only,
propagation}``. A malformed entry raises :class:`SyntaxProblem`; the caller
reports it with the entry's line and goes on.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from iacscan.model.paths import host_path
from iacscan.model.values import Substituted, Unknown

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_BIND_START = ("/", ".", "~", "\\\\", "$")
PROPAGATIONS = ("shared", "rshared", "slave", "rslave", "private", "rprivate")


class SyntaxProblem(ValueError):
    """An entry that Compose itself would reject."""


def port_range(text: Any) -> tuple[int, int]:
    """``"8000"`` -> (8000, 8000), ``"8000-8010"`` -> (8000, 8010)."""
    match = _RANGE.match(str(text).strip())
    if not match:
        raise SyntaxProblem(f"invalid port {text!r}")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if not 0 <= low <= high <= 65535:
        raise SyntaxProblem(f"invalid port range {text!r}")
    return low, high


def _port(target: Any, published: Any, host_ip: Any, protocol: Any, mode: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "host_ip": host_ip if host_ip is not None else "",
        "protocol": protocol.lower() if isinstance(protocol, str) else protocol or "tcp",
        "mode": mode or "ingress",
    }
    entry["target"], entry["target_end"] = port_range(target)
    if isinstance(published, Unknown):
        entry["published"] = entry["published_end"] = published
    elif published in (None, ""):
        entry["published"] = entry["published_end"] = None
    else:
        entry["published"], entry["published_end"] = port_range(published)
    return entry


def parse_port(item: Any) -> Any:
    """One ``ports`` entry in either syntax: ``[HOST_IP:][HOST_PORT:]CONTAINER[/PROTO]``
    (IPv6 host addresses in brackets or bare) or a mapping with ``target`` etc."""
    if isinstance(item, Unknown):
        return item
    if isinstance(item, dict):
        if "target" not in item:
            raise SyntaxProblem("a long-syntax port needs 'target'")
        if isinstance(item["target"], Unknown):
            return item["target"]
        return _port(
            item["target"],
            item.get("published"),
            item.get("host_ip"),
            item.get("protocol"),
            item.get("mode"),
        )
    text = str(item).strip()
    text, _, protocol = text.partition("/")
    host_ip = None
    if text.startswith("["):
        close = text.find("]")
        if close < 0 or text[close + 1 : close + 2] != ":":
            raise SyntaxProblem(f"invalid port {item!r}")
        host_ip, text = text[1:close], text[close + 2 :]
        parts = text.split(":")
    else:
        parts = text.rsplit(":", 2)
        if len(parts) == 3:
            host_ip = parts.pop(0)
    if len(parts) > 2:
        raise SyntaxProblem(f"invalid port {item!r}")
    if host_ip:
        try:
            ipaddress.ip_address(host_ip)
        except ValueError:
            raise SyntaxProblem(f"invalid host IP {host_ip!r} in {str(item)!r}") from None
    published = parts[0] if len(parts) == 2 else None
    return _port(parts[-1], published, host_ip, protocol or "tcp", None)


def _is_bind(source: str) -> bool:
    return source.startswith(_BIND_START) or bool(_DRIVE.match(source))


def parse_volume(item: Any) -> Any:
    """One service ``volumes`` entry: ``SRC:DST[:MODE]``, ``DST`` (anonymous), or long."""
    if isinstance(item, Unknown):
        return item
    if isinstance(item, dict):
        source = item.get("source")
        kind = item.get("type") or (
            "bind" if isinstance(source, str) and _is_bind(source) else "volume"
        )
        bind = item.get("bind")
        return {
            "type": kind,
            "source": host_path(source) if isinstance(source, str) and kind == "bind" else source,
            "target": item.get("target"),
            "read_only": bool(item.get("read_only", False)),
            "propagation": bind.get("propagation") if isinstance(bind, dict) else None,
        }
    text = str(item)
    drive = text[:2] if _DRIVE.match(text) else ""
    parts = text[len(drive) :].split(":")
    parts[0] = drive + parts[0]
    if len(parts) == 1:
        return {
            "type": "volume",
            "source": None,
            "target": parts[0],
            "read_only": False,
            "propagation": None,
        }
    if len(parts) > 3:
        raise SyntaxProblem(f"invalid volume {item!r}")
    source, target = parts[0], parts[1]
    modes = parts[2].split(",") if len(parts) == 3 else []
    kind = "bind" if _is_bind(source) else "volume"
    return {
        "type": kind,
        "source": host_path(source) if kind == "bind" else source,
        "target": target,
        "read_only": "ro" in modes,
        "propagation": next((m for m in modes if m in PROPAGATIONS), None),
    }


def parse_device(item: Any) -> Any:
    """``/dev/x[:/dev/y[:rwm]]`` or ``{source, target, permissions}``; CDI names stay whole."""
    if isinstance(item, Unknown):
        return item
    if isinstance(item, dict):
        source = item.get("source")
        return {
            "source": source,
            "target": item.get("target", source),
            "permissions": item.get("permissions", "rwm"),
        }
    parts = str(item).split(":")
    if not parts[0].startswith("/"):
        return {"source": str(item), "target": str(item), "permissions": "rwm"}
    target = parts[1] if len(parts) > 1 and parts[1] else parts[0]
    return {
        "source": parts[0],
        "target": target,
        "permissions": parts[2] if len(parts) > 2 else "rwm",
    }


def capability(item: Any) -> Any:
    """``cap_sys_admin`` and ``CAP_SYS_ADMIN`` are ``SYS_ADMIN``."""
    if not isinstance(item, str):
        return item
    name = item.strip().upper()
    return name[4:] if name.startswith("CAP_") else name


def security_option(item: Any) -> Any:
    """``seccomp:unconfined`` and ``seccomp=unconfined`` are ``seccomp=unconfined``; a bare
    ``no-new-privileges`` is ``no-new-privileges=true``."""
    if not isinstance(item, str):
        return item
    text = item.strip()
    cut = min((i for i in (text.find(":"), text.find("=")) if i >= 0), default=-1)
    if cut < 0:
        return f"{text.lower()}=true" if text.lower() == "no-new-privileges" else text
    key, value = text[:cut].strip().lower(), text[cut + 1 :].strip()
    if key == "no-new-privileges":
        value = value.lower()
    return f"{key}={value}"


def environment_entry(item: Any) -> tuple[str, Any] | None:
    """``KEY=VALUE`` -> (KEY, VALUE); a bare ``KEY`` takes its value from the shell (None)."""
    if isinstance(item, Unknown):
        return None
    text = str(item)
    key, sep, value = text.partition("=")
    if sep and isinstance(item, Substituted):
        value = Substituted(value)  # ``- KEY=${VAR}``: the value is not written in the file
    return key.strip(), (value if sep else None)


def scalar_text(value: Any) -> Any:
    """Compose turns numbers and booleans in string fields into text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value
