"""How to reach AWS and whether to: the settings of ``--aws-context`` and ``aws_context:``.

Kept apart from the package's ``__init__`` so that the readers can import them without
importing the package back (no import cycle)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXISTING = "existing"  # Resource.mode of what was read from AWS


@dataclass(frozen=True)
class AwsSettings:
    """How to reach AWS. ``None`` everywhere means boto3's standard chain (AWS_PROFILE,
    environment, shared files, instance role). ``cache_dir`` turns on the on-disk response
    cache (off by default); ``endpoint_url`` is for tests and the documented moto example."""

    profile: str | None = None
    region: str | None = None
    cache_dir: Path | None = None
    cache_ttl: int = 0
    endpoint_url: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 15.0


def cache_directory() -> Path:
    """Where on-disk AWS responses go when the cache is on: beside the parse cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iacscan" / "aws"


def settings_from(flags: dict[str, Any], config: Any = None) -> AwsSettings | None:
    """Settings from the command line (``aws_context``, ``aws_profile``, ``aws_region``,
    ``aws_cache_ttl``) over ``aws_context:`` in .iacscan.yml (``true`` or a mapping with
    ``profile``, ``region``, ``cache_ttl``); None when AWS context is not asked for."""
    if config is not None and not isinstance(config, (bool, dict)):
        raise ValueError("aws_context must be true, false or a mapping")
    table = config if isinstance(config, dict) else {}
    unknown = sorted(set(table) - {"profile", "region", "cache_ttl"})
    if unknown:
        raise ValueError(
            f"aws_context: unknown setting {unknown[0]!r} (profile, region, cache_ttl)"
        )
    if not (flags.get("aws_context") or config is True or table):
        return None
    ttl = flags.get("aws_cache_ttl") or table.get("cache_ttl") or 0
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0:
        raise ValueError("aws_context: cache_ttl must be a whole number of seconds")
    return AwsSettings(
        profile=flags.get("aws_profile") or _text(table, "profile"),
        region=flags.get("aws_region") or _text(table, "region"),
        cache_dir=cache_directory() if ttl else None,
        cache_ttl=ttl,
    )


def _text(table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"aws_context: {key} must be a string")
    return value
