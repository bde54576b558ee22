"""Finding plan files (``terraform show -json`` output) by content, cheaply.

A plan may be called anything (``plan.json``, ``tfplan.json``, ``out``), so a named file is
recognized by its first bytes; in a directory only ``*.json`` files are looked at, and only
their first 4 KiB is read before deciding to parse one fully (a large tree of JSON data
files costs one small read each). Terraform writes ``format_version`` first.
"""

from __future__ import annotations

import os
from pathlib import Path

from iacscan.reading import Refused, read_regular

SNIFF_BYTES = 4096
SKIP_DIRS = frozenset({".terraform", ".git", "node_modules"})
PLAN_KEYS = ('"format_version"', '"planned_values"', '"resource_changes"')
BINARY_PLAN = b"PK\x03\x04"  # `terraform plan -out` writes a zip archive


def looks_like_plan(path: Path, named: bool = False) -> bool:
    """Cheap test on the first bytes: a JSON object that names a plan's keys. Anything that
    is not a regular file (a FIFO, a device, a symlink loop) is taken, unopened, so that
    reading it reports why it is refused."""
    try:
        head = read_regular(path, SNIFF_BYTES, prefix=True)
    except Refused:
        return True
    if named and head.startswith(BINARY_PLAN):
        return True  # read_plan says how to convert it
    text = decode(head, strict=False).lstrip()
    return text.startswith("{") and any(key in text for key in PLAN_KEYS)


def discover_plans(path: Path) -> list[tuple[Path, bool]]:
    """(plan file, named) under ``path``: a named file is sniffed whatever its name; in a
    directory, ``*.json`` files other than ``.tf.json``/``.tfvars.json`` (configuration),
    except beside ``.tf`` files: the configuration a plan was made from is scanned there
    already, and scanning both would report every finding twice (name the plan to scan it)."""
    if path.is_file():
        return [(path, True)] if looks_like_plan(path, named=True) else []
    found = []
    for current, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if any(name.endswith((".tf", ".tf.json")) for name in files):
            continue
        for name in sorted(files):
            if name.endswith(".json") and not name.endswith((".tf.json", ".tfvars.json")):
                candidate = Path(current) / name
                if looks_like_plan(candidate):
                    found.append((candidate, False))
    return found


def decode(data: bytes, strict: bool = True) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM (PowerShell's ``>`` writes it)."""
    errors = "strict" if strict else "ignore"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors=errors)
    return data.decode("utf-8-sig", errors=errors)
